"""Registry and report storage on a real database file (and PostgreSQL in CI)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.db.engine import downgrade, make_engine, migrate, open_database, table_names
from api.db.store import NotFoundError, RegistryStore, ReportStore
from detector.errors import ConfigError
from detector.registry import Organization, demo_registry, official_contact
from detector.reports import Report

NOW = datetime(2026, 11, 27, tzinfo=UTC)


def test_when_database_opened_twice_then_schema_is_migrated_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'sub' / 'k.db'}"
    engine = open_database(url)
    open_database(url).dispose()  # second migrate is a no-op
    assert {"organizations", "official_contacts", "reports", "alembic_version"} <= set(
        table_names(engine)
    )
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_when_url_is_garbage_then_config_error_without_echoing_it():
    with pytest.raises(ConfigError) as err:
        make_engine("not a url with secret-password")
    assert "secret-password" not in err.value.message


def test_when_demo_registry_imported_then_snapshot_round_trips(db_engine):
    store = RegistryStore(db_engine)
    demo = demo_registry()
    assert store.import_registry(demo) == {
        "organizations": len(demo.organizations),
        "contacts": len(demo.contacts),
    }
    store.import_registry(demo)  # idempotent
    snap = store.snapshot()
    assert {o.slug for o in snap.organizations} == {o.slug for o in demo.organizations}
    assert sorted(c.key for c in snap.contacts) == sorted(c.key for c in demo.contacts)
    hotline = official_contact("demo-kameng", "400-820-5678")
    assert snap.orgs_for(hotline.key) == ("demo-kameng",)
    assert snap.organization("示例卡盟").slug == "demo-kameng"


def test_when_contact_added_and_removed_then_lookup_follows(db_engine):
    store = RegistryStore(db_engine)
    store.upsert_organization(Organization("acme", "Acme"))
    qq = official_contact("acme", "12345678", "qq", source="test")
    store.add_contact(qq)
    assert store.snapshot().orgs_for(qq.key) == ("acme",)
    assert store.remove_contact("acme", *qq.key) is True
    assert store.remove_contact("acme", *qq.key) is False
    assert store.snapshot().orgs_for(qq.key) == ()


def test_when_contact_added_to_unknown_org_then_not_found(db_engine):
    with pytest.raises(NotFoundError):
        RegistryStore(db_engine).add_contact(official_contact("nobody", "12345678", "qq"))


def test_when_reports_stored_then_stats_for_many_aggregates_per_contact(db_engine):
    store = ReportStore(db_engine)
    a, b = ("phone", "+8613800138000"), ("qq", "12345678")
    store.add(
        [
            Report(*a, NOW - timedelta(days=1), "h1", flagged=True),
            Report(*a, NOW - timedelta(days=2), "h2", flagged=True),
            Report(*a, NOW - timedelta(days=3), "h2", flagged=False),
            Report(*b, NOW - timedelta(days=60), None, text="他冒充客服"),
        ]
    )
    assert store.count() == 4
    stats = store.stats_for_many([a, b, ("qq", "999999")], now=NOW)
    assert set(stats) == {a, b}
    assert (stats[a].count, stats[a].distinct_reporters, stats[a].count_7d) == (3, 2, 3)
    assert stats[a].flagged_share == pytest.approx(2 / 3)
    assert stats[b].count_30d == 0
    assert [r.text for r in store.reports_for(*b)] == ["他冒充客服"]


def test_when_migrated_to_base_then_tables_are_dropped(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'k.db'}")
    migrate(engine)
    downgrade(engine)
    assert "reports" not in table_names(engine)
    engine.dispose()

"""What a worker holds for its lifetime: loaded models, the database and its stores.

Built once per worker in the app's lifespan (never at import). The registry snapshot the
contact checker reads is refreshed after a write in this worker and at most
``REGISTRY_TTL`` seconds after a write in another one.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import Engine, text

from api.audits import AuditStore, AuditWorker
from api.batching import MessageBatcher
from api.db.engine import open_database
from api.db.store import RegistryStore, ReportStore
from api.keys import KeyStore
from api.settings import Settings
from detector.contact_check import ContactChecker
from detector.engine import Detector
from detector.model import load_message_model
from detector.number_model import load_number_model

REGISTRY_TTL = 5.0
log = logging.getLogger("kefuguard.api")


@dataclass
class Services:
    settings: Settings
    engine: Engine
    detector: Detector
    checker: ContactChecker
    registry: RegistryStore
    reports: ReportStore
    keys: KeyStore
    audits: AuditStore
    worker: AuditWorker | None = None
    batcher: MessageBatcher = field(init=False)
    _loaded_at: float = field(default_factory=time.monotonic)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stopping: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.batcher = MessageBatcher(lambda: self.detector, self.settings.score_batch_max)

    @classmethod
    def start(cls, settings: Settings) -> Services:
        engine = open_database(settings.database_url)
        registry, reports = RegistryStore(engine), ReportStore(engine)
        checker = ContactChecker(
            registry.snapshot(), load_number_model(settings.number_model_dir), reports=reports
        )
        detector = Detector(
            load_message_model(settings.model_dir),
            max_chars=settings.max_text_chars,
            contacts=checker,
        )
        env_keys = settings.api_keys.get_secret_value() if settings.api_keys else None
        services = cls(
            settings,
            engine,
            detector,
            checker,
            registry,
            reports,
            KeyStore(engine, env_keys),
            AuditStore(engine, settings.data_dir),
        )
        services.warm_up()
        threading.Thread(
            target=services._refresh_registry, name="kefuguard-registry", daemon=True
        ).start()
        if settings.run_audits:
            services.worker = AuditWorker(services.audits, services)
            services.worker.start()
        return services

    def warm_up(self) -> None:
        """Load what the first request would otherwise load (suffix list, number metadata,
        the models' first predictions), so /readyz means the first answer is fast too."""
        self.detector.score_message("请加QQ 12345678 或拨打 13912345678，网址 www.example.com")
        self.checker.check("400-820-5678", channel="call")

    def fresh_checker(self) -> ContactChecker:
        """The contact checker; a background thread keeps its registry snapshot no older than
        REGISTRY_TTL (reloading on the request path stalled requests behind it)."""
        return self.checker

    def _refresh_registry(self) -> None:
        while not self._stopping.wait(REGISTRY_TTL):
            try:
                self.reload_registry()
            except Exception:  # the database is briefly away: keep the last snapshot
                log.warning("registry refresh failed; keeping the last snapshot")

    def reload_registry(self) -> None:
        with self._lock:
            self.checker.registry = self.registry.snapshot()
            self._loaded_at = time.monotonic()

    def database_ok(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:  # readiness reports it; the reason is logged by the caller
            return False

    def close(self) -> None:
        self._stopping.set()
        if self.worker is not None:
            self.worker.stop()
            self.worker.join(timeout=30)
        self.engine.dispose()

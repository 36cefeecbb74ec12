/* kefuguard console: chat check, contact check, registry and audits over the API.
 *
 * Plain JavaScript, no build step and nothing loaded from elsewhere. Every piece of text
 * that comes from a user or from the API reaches the page through textContent or a text
 * node, never through innerHTML (the page's CSP enforces Trusted Types, so such an
 * assignment would throw). The API key lives in sessionStorage only and is sent as a
 * Bearer token on API calls.
 */
(function () {
  "use strict";

  // -- dictionaries ----------

  var I18N = {
    en: {
      page_title: "kefuguard console",
      widget_title: "kefuguard check",
      console: "console",
      skip: "Skip to content",
      sections: "Sections",
      close: "Close",
      api_key: "API key",
      key_use: "Use key",
      key_forget: "Forget",
      key_none: "No key set",
      key_set: "Key set for this tab",
      key_empty: "Enter an API key first.",
      switch_to: "Switch to English",
      tab_chat: "Chat check",
      tab_contact: "Contact check",
      tab_registry: "Registry",
      tab_audits: "Audits",
      chat_mode: "What are you checking?",
      mode_message: "One message",
      mode_conversation: "A conversation",
      chat_text: "Message",
      chat_text_conversation: "Conversation",
      chat_hint_message: "Paste the message exactly as received.",
      chat_hint_conversation:
        "One turn per line, starting with “客服:” / “agent:” or “用户:” / “customer:”. Lines without a prefix continue the turn above.",
      claimed_org: "Organisation it claims to be (optional)",
      claimed_org_short: "Claimed organisation",
      org_placeholder: "e.g. 示例卡盟",
      check: "Check",
      example: "Example",
      checking: "Checking…",
      risk: "Risk",
      evidence: "Evidence",
      no_evidence: "No warning signs found in the text.",
      contacts_found: "Contacts in the message",
      highlighted: "Message with the evidence highlighted",
      weight: "weight",
      category: "Category",
      verdict_allow: "No scam signs",
      verdict_warn: "Be careful",
      verdict_block: "Likely scam",
      first_warning: "The warning should fire at turn {n}.",
      no_warning_turn: "No turn calls for a warning.",
      turn: "Turn {n}",
      role_agent: "Agent",
      role_customer: "Customer",
      conv_need_prefix: "Start each turn with “客服:” / “agent:” or “用户:” / “customer:”.",
      conv_empty: "No turns found.",
      text_empty: "Paste a message first.",
      contact_value: "Number, QQ, WeChat ID or URL",
      contact_type: "Type",
      contact_org: "Organisation it claims to belong to",
      contact_channel: "Seen as",
      type_auto: "Detect",
      channel_any: "Anywhere",
      value_empty: "Enter a contact first.",
      cv_official: "Official",
      cv_unverified: "Unverified",
      cv_suspicious: "Suspicious",
      cv_known_scam: "Known scam",
      cv_invalid: "Invalid",
      cx_official: "Listed in the registry as an official contact of {orgs}.",
      cx_unverified:
        "Not in the registry and nothing known against it. Check it through the official app or website before trusting it.",
      cx_suspicious: "Warning signs: do not trust this contact.",
      cx_known_scam: "Reported as a scam by several people: do not contact it.",
      cx_invalid: "This is not a valid contact.",
      normalized: "Normalized",
      official_for: "Official for",
      number: "Number",
      line_type: "Line type",
      carrier: "Carrier",
      region: "Region",
      reports: "Reports",
      reports_summary: "{count} from {reporters} reporter(s), last {last}",
      reasons: "Why",
      no_reasons: "No specific findings.",
      registry_hint: "Official contacts of each organisation. Needs a key with the admin scope.",
      organisation: "Organisation",
      registry_load: "Load organisations",
      registry_none: "No organisations in the registry.",
      registry_pick: "Load the organisations, then pick one.",
      registry_empty: "This organisation has no official contacts yet.",
      registry_caption: "Official contacts of {org}",
      registry_add: "Add an official contact",
      reg_value: "Contact",
      reg_source: "Source (where it was verified)",
      reg_verified: "Verified on",
      reg_note: "Note (optional)",
      add: "Add",
      remove: "Remove",
      remove_confirm: "Confirm removal",
      remove_label: "Remove {value}",
      added: "Added {value} to {org}.",
      removed: "Removed {value} from {org}.",
      source_empty: "Say where the contact was verified.",
      org_missing: "Pick an organisation first.",
      col_type: "Type",
      col_value: "Contact",
      col_normalized: "Normalized",
      col_source: "Source",
      col_verified: "Verified",
      col_note: "Note",
      col_actions: "Actions",
      audit_hint:
        "Upload user reports (CSV in UTF-8, or Parquet) to rank the reported contacts. Needs the audit scope.",
      audit_file: "Reports file",
      audit_column: "Column with the contact (optional, default “contact”)",
      audit_start: "Start audit",
      file_missing: "Choose a file first.",
      state_queued: "Queued",
      state_running: "Running",
      state_done: "Done",
      state_failed: "Failed",
      progress: "Progress",
      rows: "{done} of {total} rows",
      rows_unknown: "{done} rows",
      sum_rows_read: "Rows read",
      sum_rows_rejected: "Rows rejected",
      sum_contacts: "Contacts",
      open_report: "Open the report",
      download_result: "Download results (CSV)",
      download_rejects: "Download rejects (CSV)",
      footer: "Runs entirely on this server: nothing is loaded from anywhere else.",
      report_title: "kefuguard audit report",
      report_title_short: "audit report",
      back_to_console: "Back to the console",
      report_loading: "Loading the report…",
      report_need_key: "Enter an API key with the audit scope to see this report.",
      report_no_id: "No audit given: open reports from the Audits tab of the console.",
      err_network: "The server could not be reached.",
      err_http: "The server answered {status}.",
      hint_401: "Enter a valid API key above.",
      hint_403: "This key is not allowed to do that.",
      example_message:
        "您好，我是示例卡盟客服，您的订单异常需要退款，请加QQ 800099999，并把手机收到的验证码发给我",
      example_conversation:
        "用户: 我充值的点卡一直没到账\n客服: 您好，我是示例卡盟客服，您的订单异常需要退款\n客服: 请加QQ 800099999，并把手机收到的验证码发给我",
    },
    zh: {
      page_title: "kefuguard 控制台",
      widget_title: "kefuguard 检测",
      console: "控制台",
      skip: "跳到正文",
      sections: "功能",
      close: "关闭",
      api_key: "API 密钥",
      key_use: "使用密钥",
      key_forget: "清除",
      key_none: "未设置密钥",
      key_set: "本标签页已设置密钥",
      key_empty: "请先输入 API 密钥。",
      switch_to: "切换到中文",
      tab_chat: "聊天检测",
      tab_contact: "联系方式核验",
      tab_registry: "官方登记",
      tab_audits: "审计",
      chat_mode: "要检测什么？",
      mode_message: "单条消息",
      mode_conversation: "整段对话",
      chat_text: "消息",
      chat_text_conversation: "对话",
      chat_hint_message: "原样粘贴收到的消息。",
      chat_hint_conversation:
        "每行一轮，以“客服:”/“agent:”或“用户:”/“customer:”开头；没有前缀的行接在上一轮之后。",
      claimed_org: "对方自称的机构（可选）",
      claimed_org_short: "自称的机构",
      org_placeholder: "例如 示例卡盟",
      check: "检测",
      example: "示例",
      checking: "检测中…",
      risk: "风险",
      evidence: "证据",
      no_evidence: "文本中未发现风险迹象。",
      contacts_found: "消息中的联系方式",
      highlighted: "标出证据的消息",
      weight: "权重",
      category: "类别",
      verdict_allow: "未见诈骗迹象",
      verdict_warn: "请注意风险",
      verdict_block: "疑似诈骗",
      first_warning: "应在第 {n} 轮发出警告。",
      no_warning_turn: "没有需要警告的轮次。",
      turn: "第 {n} 轮",
      role_agent: "客服",
      role_customer: "用户",
      conv_need_prefix: "每一轮请以“客服:”/“agent:”或“用户:”/“customer:”开头。",
      conv_empty: "没有找到任何对话轮次。",
      text_empty: "请先粘贴消息。",
      contact_value: "电话、QQ、微信号或网址",
      contact_type: "类型",
      contact_org: "对方自称所属的机构",
      contact_channel: "出现在",
      type_auto: "自动识别",
      channel_any: "不限",
      value_empty: "请先输入联系方式。",
      cv_official: "官方",
      cv_unverified: "未核实",
      cv_suspicious: "可疑",
      cv_known_scam: "已知诈骗",
      cv_invalid: "无效",
      cx_official: "已登记为 {orgs} 的官方联系方式。",
      cx_unverified: "未在官方登记中，也没有不良记录。请通过官方 App 或官网核实后再信任。",
      cx_suspicious: "存在风险迹象：请勿相信此联系方式。",
      cx_known_scam: "多人举报为诈骗：请勿联系。",
      cx_invalid: "这不是有效的联系方式。",
      normalized: "规范形式",
      official_for: "官方机构",
      number: "号码",
      line_type: "线路类型",
      carrier: "运营商",
      region: "地区",
      reports: "举报",
      reports_summary: "{count} 次，来自 {reporters} 位举报人，最近 {last}",
      reasons: "原因",
      no_reasons: "没有具体发现。",
      registry_hint: "各机构的官方联系方式。需要具有 admin 权限的密钥。",
      organisation: "机构",
      registry_load: "加载机构",
      registry_none: "登记中还没有机构。",
      registry_pick: "请先加载机构，再选择一个。",
      registry_empty: "该机构还没有官方联系方式。",
      registry_caption: "{org} 的官方联系方式",
      registry_add: "添加官方联系方式",
      reg_value: "联系方式",
      reg_source: "来源（在哪里核实的）",
      reg_verified: "核实日期",
      reg_note: "备注（可选）",
      add: "添加",
      remove: "删除",
      remove_confirm: "确认删除",
      remove_label: "删除 {value}",
      added: "已将 {value} 添加到 {org}。",
      removed: "已从 {org} 删除 {value}。",
      source_empty: "请填写核实来源。",
      org_missing: "请先选择机构。",
      col_type: "类型",
      col_value: "联系方式",
      col_normalized: "规范形式",
      col_source: "来源",
      col_verified: "核实日期",
      col_note: "备注",
      col_actions: "操作",
      audit_hint: "上传用户举报文件（UTF-8 编码的 CSV 或 Parquet），对被举报的联系方式排序。需要 audit 权限。",
      audit_file: "举报文件",
      audit_column: "联系方式所在的列（可选，默认 “contact”）",
      audit_start: "开始审计",
      file_missing: "请先选择文件。",
      state_queued: "排队中",
      state_running: "进行中",
      state_done: "已完成",
      state_failed: "失败",
      progress: "进度",
      rows: "{done} / {total} 行",
      rows_unknown: "{done} 行",
      sum_rows_read: "读取行数",
      sum_rows_rejected: "拒收行数",
      sum_contacts: "联系方式数",
      open_report: "打开报告",
      download_result: "下载结果（CSV）",
      download_rejects: "下载拒收行（CSV）",
      footer: "完全在本服务器上运行：不从任何其他地方加载内容。",
      report_title: "kefuguard 审计报告",
      report_title_short: "审计报告",
      back_to_console: "返回控制台",
      report_loading: "正在加载报告…",
      report_need_key: "请输入具有 audit 权限的 API 密钥以查看此报告。",
      report_no_id: "未指定审计：请从控制台的“审计”页打开报告。",
      err_network: "无法连接服务器。",
      err_http: "服务器返回 {status}。",
      hint_401: "请在上方输入有效的 API 密钥。",
      hint_403: "此密钥无权执行该操作。",
      example_message:
        "您好，我是示例卡盟客服，您的订单异常需要退款，请加QQ 800099999，并把手机收到的验证码发给我",
      example_conversation:
        "用户: 我充值的点卡一直没到账\n客服: 您好，我是示例卡盟客服，您的订单异常需要退款\n客服: 请加QQ 800099999，并把手机收到的验证码发给我",
    },
  };

  var SIGNALS = {
    official_claim: ["Claims to be official support", "自称官方客服"],
    off_platform: ["Moves you off the platform", "引导到平台外联系"],
    payment_lure: ["Payment or refund lure", "付款或退款诱导"],
    remote_control: ["Asks for screen sharing or remote control", "要求共享屏幕或远程控制"],
    requests_account_login: ["Asks for your account login", "索要账号登录"],
    requests_bank_card: ["Asks for bank card details", "索要银行卡信息"],
    requests_card_secret: ["Asks for card codes (卡密)", "索要卡密"],
    requests_identity: ["Asks for identity documents", "索要身份信息"],
    requests_otp: ["Asks for a verification code", "索要验证码"],
    requests_password: ["Asks for a password", "索要密码"],
    urgency_threat: ["Urgency or threats", "制造紧迫感或威胁"],
  };

  var REASONS = {
    official_contact: ["Official contact", "官方登记的联系方式"],
    not_official_for_claimed_org: [
      "Not official for the claimed organisation",
      "不是所称机构的官方联系方式",
    ],
    lookalike_domain: ["Look-alike of an official domain", "仿冒官方域名"],
    reported: ["Reported by users", "有用户举报"],
    spoofing_suspected: ["Official number probably spoofed", "官方号码疑似被冒用"],
    malicious_marking: ["Probably marked maliciously", "疑似被恶意标记"],
    invalid_number: ["Invalid number", "无效号码"],
    short_number_unknown: ["Unknown short number", "未知短号码"],
    international_number: ["International number", "境外号码"],
    international_presented_as_domestic: [
      "Foreign number posing as domestic",
      "境外号码冒充境内号码",
    ],
    service_number_with_foreign_prefix: [
      "Service number with a foreign prefix",
      "带境外前缀的服务号码",
    ],
    service_line_as_caller: ["Receive-only line shown as caller", "只接听的服务号码却来电"],
    service_line_as_sms_sender: ["SMS from a line that cannot send any", "不能发短信的号码发来短信"],
    virtual_operator_segment: ["Virtual operator number", "虚拟运营商号段"],
    missing_area_code: ["Missing area code", "缺少区号"],
    premium_rate_number: ["Premium-rate number", "付费号码"],
    other_short_service_number: ["Other short service number", "其他短服务号码"],
  };

  var TYPES = {
    phone: ["Phone", "电话"],
    short_number: ["Short number", "短号码"],
    qq: ["QQ", "QQ"],
    wechat: ["WeChat", "微信"],
    url: ["Website", "网址"],
    email: ["E-mail", "邮箱"],
    bank_card: ["Bank card", "银行卡"],
  };

  var CHANNELS = {
    call: ["Incoming call", "来电"],
    sms: ["SMS", "短信"],
    chat: ["Chat", "聊天"],
    email: ["E-mail", "邮件"],
    qq: ["QQ", "QQ"],
    wechat: ["WeChat", "微信"],
  };

  var AGENT_ROLES = ["客服", "agent", "support", "kefu", "staff"];
  var CUSTOMER_ROLES = ["用户", "customer", "user", "buyer", "顾客", "买家"];
  var ROLE_LINE = new RegExp(
    "^\\s*(" + AGENT_ROLES.concat(CUSTOMER_ROLES).join("|") + ")\\s*[:：]\\s?",
    "i"
  );

  var KEY_STORE = "kefuguard.key";
  var LANG_STORE = "kefuguard.lang";
  var AUDIT_STORE = "kefuguard.audits";
  var POLL_MS = 1000;

  // -- state and small helpers -----------

  var state = { lang: "en", memoryKey: null, rerender: {} };
  var mode = document.body.getAttribute("data-mode") || "console";

  function $(id) {
    return document.getElementById(id);
  }

  function store(kind) {
    try {
      return kind === "local" ? window.localStorage : window.sessionStorage;
    } catch (e) {
      return null;
    }
  }

  function t(key, vars) {
    var text = (I18N[state.lang] && I18N[state.lang][key]) || I18N.en[key] || key;
    if (vars) {
      text = text.replace(/\{(\w+)\}/g, function (_, name) {
        return vars[name] === undefined || vars[name] === null ? "" : String(vars[name]);
      });
    }
    return text;
  }

  function pick(table, code) {
    var entry = table[code];
    if (!entry) {
      return code;
    }
    return entry[state.lang === "zh" ? 1 : 0];
  }

  /* el("p", {className: "x", text: "..."}, child, ...): attributes through properties or
   * setAttribute, text through textContent, string children as text nodes. */
  function el(tag, props) {
    var node = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (name) {
        var value = props[name];
        if (value === undefined || value === null || value === false) {
          return;
        }
        if (name === "text") {
          node.textContent = String(value);
        } else if (name === "className") {
          node.className = value;
        } else if (name === "dataset") {
          Object.keys(value).forEach(function (k) {
            node.dataset[k] = value[k];
          });
        } else if (name === "on") {
          Object.keys(value).forEach(function (k) {
            node.addEventListener(k, value[k]);
          });
        } else {
          node.setAttribute(name, value === true ? "" : String(value));
        }
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      append(node, arguments[i]);
    }
    return node;
  }

  function append(node, child) {
    if (arguments.length > 2) {
      append(node, Array.prototype.slice.call(arguments, 1));
      return;
    }
    if (child === undefined || child === null || child === false) {
      return;
    }
    if (Array.isArray(child)) {
      child.forEach(function (c) {
        append(node, c);
      });
    } else if (typeof child === "string" || typeof child === "number") {
      node.appendChild(document.createTextNode(String(child)));
    } else {
      node.appendChild(child);
    }
  }

  function clear(node) {
    while (node.firstChild) {
      node.removeChild(node.firstChild);
    }
  }

  function percent(risk) {
    return Math.round(Math.max(0, Math.min(1, Number(risk) || 0)) * 100) + "%";
  }

  // -- alerts and notices ----------------

  function showError(err) {
    var box = $("alert");
    if (!box) {
      return;
    }
    var text = err && err.message ? err.message : String(err);
    if (err && err.status === 401) {
      text += " — " + t("hint_401");
    } else if (err && err.status === 403) {
      text += " — " + t("hint_403");
    }
    $("alert-text").textContent = text;
    box.hidden = false;
  }

  function clearError() {
    var box = $("alert");
    if (box) {
      box.hidden = true;
      $("alert-text").textContent = "";
    }
  }

  function notify(text) {
    var box = $("notice");
    if (box) {
      box.textContent = text;
    }
  }

  // -- API ----------

  function ApiError(message, code, status) {
    this.message = message;
    this.code = code;
    this.status = status;
  }

  function getKey() {
    var s = store("session");
    var key = s ? s.getItem(KEY_STORE) : null;
    return key || state.memoryKey;
  }

  function setKey(key) {
    var s = store("session");
    state.memoryKey = null;
    if (s) {
      try {
        if (key) {
          s.setItem(KEY_STORE, key);
        } else {
          s.removeItem(KEY_STORE);
        }
        return;
      } catch (e) {
        /* storage full or blocked: keep it in memory */
      }
    }
    state.memoryKey = key || null;
  }

  /* fetch with the Bearer key; resolves to the JSON body (or the Response with raw),
   * rejects with an ApiError carrying the error shape's message. */
  function api(method, path, opts) {
    opts = opts || {};
    var headers = { Accept: "application/json" };
    var key = getKey();
    if (key) {
      headers.Authorization = "Bearer " + key;
    }
    var body;
    if (opts.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(opts.json);
    } else if (opts.form) {
      body = opts.form;
    }
    return fetch(path, {
      method: method,
      headers: headers,
      body: body,
      credentials: "omit",
      cache: "no-store",
      referrerPolicy: "no-referrer",
    }).then(
      function (resp) {
        if (resp.ok && opts.raw) {
          return resp;
        }
        if (resp.status === 204) {
          return null;
        }
        return resp.json().then(
          function (data) {
            if (!resp.ok) {
              throw errorFrom(data, resp.status);
            }
            return data;
          },
          function () {
            throw new ApiError(t("err_http", { status: resp.status }), "http_error", resp.status);
          }
        );
      },
      function () {
        throw new ApiError(t("err_network"), "network", 0);
      }
    );
  }

  function errorFrom(data, status) {
    var err = data && data.error;
    var message = err && typeof err.message === "string" && err.message;
    return new ApiError(
      message || t("err_http", { status: status }),
      (err && err.code) || "http_error",
      status
    );
  }

  /* Run an action with its button disabled and errors shown in the alert region. */
  function busy(button, region, action) {
    clearError();
    if (button) {
      button.disabled = true;
    }
    if (region) {
      region.setAttribute("aria-busy", "true");
    }
    return Promise.resolve()
      .then(action)
      .catch(function (err) {
        showError(err);
      })
      .then(function () {
        if (button) {
          button.disabled = false;
        }
        if (region) {
          region.removeAttribute("aria-busy");
        }
      });
  }

  // -- highlighting ----------

  /* Offsets from the API count Unicode code points; JavaScript strings count UTF-16
   * units. units[i] is where code point i starts (units[n] = text.length). */
  function codePointUnits(text) {
    var units = [0];
    var at = 0;
    for (var i = 0; i < text.length; ) {
      var code = text.charCodeAt(i);
      var width = code >= 0xd800 && code <= 0xdbff && i + 1 < text.length ? 2 : 1;
      i += width;
      at += width;
      units.push(at);
    }
    return units;
  }

  /* Nest the spans (sorted by start, longest first); a span that runs past its parent is
   * split at the parent's end so the remainder is highlighted too. */
  function nestSpans(spans, n) {
    var queue = spans
      .filter(function (s) {
        return (
          Number.isInteger(s.start) && Number.isInteger(s.end) && s.start >= 0 && s.end <= n &&
          s.start < s.end
        );
      })
      .slice();
    var order = function (a, b) {
      return a.start - b.start || b.end - a.end || (a.kind === "signal" ? -1 : 1);
    };
    queue.sort(order);
    var root = { start: 0, end: n, children: [] };
    var stack = [root];
    while (queue.length) {
      var span = queue.shift();
      while (stack.length > 1 && span.start >= stack[stack.length - 1].end) {
        stack.pop();
      }
      var parent = stack[stack.length - 1];
      var node = Object.assign({}, span, { end: Math.min(span.end, parent.end), children: [] });
      if (span.end > parent.end) {
        queue.push(Object.assign({}, span, { start: parent.end }));
        queue.sort(order);
      }
      parent.children.push(node);
      stack.push(node);
    }
    return root;
  }

  function markFor(span) {
    if (span.kind === "signal") {
      return el("mark", {
        className: "hl hl-signal",
        dataset: { code: span.code },
        title: pick(SIGNALS, span.code),
      });
    }
    return el("mark", {
      className: "hl hl-contact v-" + span.verdict,
      dataset: { verdict: span.verdict },
      title: pick(TYPES, span.type) + " · " + t("cv_" + span.verdict),
    });
  }

  /* The original text as DOM nodes, with <mark> elements over the spans. */
  function highlighted(text, signals, contacts) {
    var units = codePointUnits(text);
    var spans = [];
    (signals || []).forEach(function (s) {
      spans.push({ kind: "signal", start: s.start, end: s.end, code: s.code });
    });
    (contacts || []).forEach(function (c) {
      if (c.start !== null && c.start !== undefined) {
        spans.push({
          kind: "contact",
          start: c.start,
          end: c.end,
          verdict: c.verdict,
          type: c.type,
        });
      }
    });
    var out = el("p", { className: "highlighted" });
    (function render(node, into) {
      var pos = node.start;
      node.children.forEach(function (child) {
        if (child.start > pos) {
          into.appendChild(document.createTextNode(text.slice(units[pos], units[child.start])));
        }
        var mark = markFor(child);
        render(child, mark);
        into.appendChild(mark);
        pos = child.end;
      });
      if (node.end > pos) {
        into.appendChild(document.createTextNode(text.slice(units[pos], units[node.end])));
      }
    })(nestSpans(spans, units.length - 1), out);
    return out;
  }

  // -- shared renderers ------------------

  function badge(kind, verdict, label) {
    return el(
      "span",
      { className: "badge badge-" + kind + " v-" + verdict, dataset: { verdict: verdict } },
      label
    );
  }

  function riskBar(risk) {
    var fill = el("span", { className: "meter-fill" });
    fill.style.width = percent(risk); // CSSOM, not a style attribute: allowed by the CSP
    return el(
      "span",
      { className: "risk" },
      el("span", { className: "risk-label" }, t("risk")),
      el("span", { className: "meter", "aria-hidden": "true" }, fill),
      el("span", { className: "risk-value" }, percent(risk))
    );
  }

  function reasonList(reasons) {
    if (!reasons || !reasons.length) {
      return el("p", { className: "muted" }, t("no_reasons"));
    }
    return el(
      "ul",
      { className: "reasons" },
      reasons.map(function (r) {
        return el(
          "li",
          { dataset: { code: r.code } },
          el("strong", null, pick(REASONS, r.code)),
          r.message ? el("span", { className: "reason-msg", lang: "en" }, r.message) : null
        );
      })
    );
  }

  function contactCard(c) {
    return el(
      "li",
      { className: "contact-card", dataset: { verdict: c.verdict, value: c.value } },
      el(
        "div",
        { className: "contact-head" },
        badge("contact", c.verdict, t("cv_" + c.verdict)),
        el("code", { className: "contact-value" }, c.value),
        el("span", { className: "muted" }, pick(TYPES, c.type))
      ),
      reasonList(c.reasons)
    );
  }

  function assessmentBody(a, text) {
    var parts = [];
    parts.push(
      el(
        "div",
        { className: "verdict-line" },
        badge("message", a.verdict, t("verdict_" + a.verdict)),
        riskBar(a.risk)
      )
    );
    if (a.warning) {
      parts.push(el("p", { className: "warning" }, a.warning));
    }
    parts.push(el("h3", { className: "h4 h-highlighted" }, t("highlighted")));
    parts.push(highlighted(text, a.signals, a.contacts));
    if (a.signals && a.signals.length) {
      parts.push(
        el(
          "ul",
          { className: "signals", "aria-label": t("evidence") },
          a.signals.map(function (s) {
            return el(
              "li",
              { dataset: { code: s.code } },
              el("span", { className: "chip" }, s.text),
              " ",
              pick(SIGNALS, s.code),
              el("span", { className: "muted" }, " · " + t("weight") + " " + s.weight)
            );
          })
        )
      );
    } else {
      parts.push(el("p", { className: "muted no-evidence" }, t("no_evidence")));
    }
    if (a.contacts && a.contacts.length) {
      parts.push(el("h3", { className: "h4" }, t("contacts_found")));
      parts.push(el("ul", { className: "contacts" }, a.contacts.map(contactCard)));
    }
    return parts;
  }

  // -- chat check ----------

  function chatMode() {
    var checked = document.querySelector("input[name=chat-mode]:checked");
    return checked ? checked.value : "message";
  }

  function parseConversation(text) {
    var turns = [];
    var lines = text.split(/\r?\n/);
    for (var i = 0; i < lines.length; i++) {
      var line = lines[i];
      var m = ROLE_LINE.exec(line);
      if (m) {
        var who = m[1].toLowerCase();
        turns.push({
          role: AGENT_ROLES.indexOf(who) >= 0 ? "agent" : "customer",
          text: line.slice(m[0].length),
        });
      } else if (turns.length) {
        turns[turns.length - 1].text += "\n" + line;
      } else if (line.trim()) {
        throw new ApiError(t("conv_need_prefix"), "invalid_input", 0);
      }
    }
    turns = turns
      .map(function (turn) {
        return { role: turn.role, text: turn.text.replace(/\s+$/, "") };
      })
      .filter(function (turn) {
        return turn.text.trim().length > 0;
      });
    if (!turns.length) {
      throw new ApiError(t("conv_empty"), "invalid_input", 0);
    }
    return turns;
  }

  function renderMessage(region, a, text) {
    clear(region);
    append(
      region,
      el("article", { className: "assessment v-" + a.verdict }, assessmentBody(a, text))
    );
  }

  function renderConversation(region, res, turns) {
    clear(region);
    var head = el(
      "div",
      { className: "verdict-line" },
      badge("message", res.verdict, t("verdict_" + res.verdict)),
      riskBar(res.risk)
    );
    var first =
      res.first_warning_turn === null || res.first_warning_turn === undefined
        ? el("p", { className: "muted" }, t("no_warning_turn"))
        : el(
            "p",
            { className: "first-warning" },
            t("first_warning", { n: res.first_warning_turn + 1 })
          );
    var list = el(
      "ol",
      { className: "turns" },
      res.turns.map(function (turn) {
        var isFirst = turn.index === res.first_warning_turn;
        return el(
          "li",
          {
            className: "turn role-" + turn.role + (isFirst ? " first" : ""),
            dataset: { index: String(turn.index), verdict: turn.verdict },
            "aria-current": isFirst ? "step" : null,
          },
          el(
            "div",
            { className: "turn-head" },
            el("strong", null, t("turn", { n: turn.index + 1 })),
            el("span", { className: "muted" }, t("role_" + turn.role))
          ),
          assessmentBody(turn, turns[turn.index] ? turns[turn.index].text : "")
        );
      })
    );
    append(
      region,
      el(
        "article",
        { className: "assessment conversation v-" + res.verdict },
        head,
        res.warning ? el("p", { className: "warning" }, res.warning) : null,
        first,
        list
      )
    );
  }

  function postToParent(result) {
    if (mode !== "widget" || window.parent === window) {
      return;
    }
    window.parent.postMessage(
      {
        type: "kefuguard:result",
        verdict: result.verdict,
        risk: result.risk,
        is_scam: result.is_scam,
        warning: result.warning,
      },
      window.location.origin
    );
  }

  function setupChat() {
    var form = $("chat-form");
    if (!form) {
      return;
    }
    var region = $("chat-result");
    var textarea = $("chat-text");
    var syncLabels = function () {
      var conv = chatMode() === "conversation";
      var label = document.querySelector("label[for=chat-text]");
      if (label) {
        label.textContent = t(conv ? "chat_text_conversation" : "chat_text");
      }
      var hint = $("chat-hint");
      if (hint) {
        hint.textContent = t(conv ? "chat_hint_conversation" : "chat_hint_message");
      }
    };
    state.syncChatLabels = syncLabels;
    document.querySelectorAll("input[name=chat-mode]").forEach(function (radio) {
      radio.addEventListener("change", syncLabels);
    });
    var example = $("chat-example");
    if (example) {
      example.addEventListener("click", function () {
        var conv = chatMode() === "conversation";
        textarea.value = t(conv ? "example_conversation" : "example_message");
        $("chat-org").value = "";
        textarea.focus();
      });
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      var text = textarea.value;
      var org = $("chat-org").value.trim() || undefined;
      busy(button, region, function () {
        if (!text.trim()) {
          throw new ApiError(t("text_empty"), "invalid_input", 0);
        }
        if (chatMode() === "conversation") {
          var turns = parseConversation(text);
          return api("POST", "/v1/conversations/score", {
            json: { turns: turns, claimed_org: org },
          }).then(function (res) {
            state.rerender.chat = function () {
              renderConversation(region, res, turns);
            };
            state.rerender.chat();
            postToParent(res);
          });
        }
        return api("POST", "/v1/messages/score", {
          json: { text: text, claimed_org: org },
        }).then(function (a) {
          state.rerender.chat = function () {
            renderMessage(region, a, text);
          };
          state.rerender.chat();
          postToParent(a);
        });
      });
    });
    // An embedding page of the same origin may hand the widget a message to check.
    window.addEventListener("message", function (event) {
      if (event.origin !== window.location.origin || !event.data) {
        return;
      }
      if (event.data.type === "kefuguard:check" && typeof event.data.text === "string") {
        textarea.value = event.data.text;
        if (typeof event.data.claimed_org === "string") {
          $("chat-org").value = event.data.claimed_org;
        }
        form.requestSubmit();
      }
    });
  }

  // -- contact check ----------

  function fillSelect(select, table, emptyLabel) {
    if (!select) {
      return;
    }
    var current = select.value;
    clear(select);
    if (emptyLabel) {
      select.appendChild(el("option", { value: "" }, emptyLabel));
    }
    Object.keys(table).forEach(function (code) {
      select.appendChild(el("option", { value: code }, pick(table, code)));
    });
    select.value = current || "";
  }

  function detailRow(list, term, value) {
    if (value === null || value === undefined || value === "") {
      return;
    }
    list.appendChild(el("dt", null, term));
    list.appendChild(el("dd", null, value));
  }

  function renderContact(region, c) {
    clear(region);
    var orgs = (c.official_for || []).join(", ");
    var details = el("dl", { className: "details" });
    detailRow(details, t("normalized"), el("code", null, c.normalized));
    detailRow(details, t("contact_type"), pick(TYPES, c.type));
    detailRow(details, t("official_for"), orgs);
    if (c.number) {
      detailRow(details, t("number"), c.number.e164);
      detailRow(details, t("line_type"), c.number.line_type);
      detailRow(details, t("carrier"), c.number.carrier);
      detailRow(details, t("region"), [c.number.region, c.number.geo].filter(Boolean).join(" · "));
    }
    if (c.reports) {
      detailRow(
        details,
        t("reports"),
        t("reports_summary", {
          count: c.reports.count,
          reporters: c.reports.distinct_reporters,
          last: c.reports.last_seen || "—",
        })
      );
    }
    append(
      region,
      el(
        "article",
        { className: "assessment contact-result v-" + c.verdict },
        el(
          "div",
          { className: "verdict-line" },
          badge("contact", c.verdict, t("cv_" + c.verdict)),
          el("code", { className: "contact-value" }, c.value),
          riskBar(c.risk)
        ),
        el("p", { className: "explain" }, t("cx_" + c.verdict, { orgs: orgs })),
        details,
        el("h3", { className: "h4" }, t("reasons")),
        reasonList(c.reasons)
      )
    );
  }

  function setupContact() {
    var form = $("contact-form");
    if (!form) {
      return;
    }
    var region = $("contact-result");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var value = $("contact-value").value.trim();
      var body = {
        value: value,
        type: $("contact-type").value || undefined,
        claimed_org: $("contact-org").value.trim() || undefined,
        channel: $("contact-channel").value || undefined,
      };
      busy(form.querySelector("button[type=submit]"), region, function () {
        if (!value) {
          throw new ApiError(t("value_empty"), "invalid_input", 0);
        }
        return api("POST", "/v1/contacts/check", { json: body }).then(function (c) {
          state.rerender.contact = function () {
            renderContact(region, c);
          };
          state.rerender.contact();
        });
      });
    });
  }

  // -- registry ----------

  var registry = { orgs: null, contacts: null, org: null, loaded: false };

  function orgLabel(slug) {
    var found = (registry.orgs || []).filter(function (o) {
      return o.slug === slug;
    })[0];
    return found ? found.name + " (" + found.slug + ")" : slug;
  }

  function renderOrgs() {
    var select = $("registry-org");
    clear(select);
    if (!registry.orgs || !registry.orgs.length) {
      var empty = t(registry.orgs ? "registry_none" : "registry_pick");
      select.appendChild(el("option", { value: "" }, empty));
      return;
    }
    registry.orgs.forEach(function (o) {
      select.appendChild(el("option", { value: o.slug }, o.name + " (" + o.slug + ")"));
    });
    select.value = registry.org || registry.orgs[0].slug;
    registry.org = select.value;
  }

  function removeButton(c) {
    var armed = null;
    var button = el("button", {
      type: "button",
      className: "small danger-outline",
      "aria-label": t("remove_label", { value: c.value }),
      dataset: { value: c.value },
    });
    button.textContent = t("remove");
    button.addEventListener("click", function () {
      if (!armed) {
        // First press arms the button; the second removes (no blocking dialog).
        button.textContent = t("remove_confirm");
        button.classList.add("armed");
        armed = window.setTimeout(function () {
          armed = null;
          button.textContent = t("remove");
          button.classList.remove("armed");
        }, 5000);
        return;
      }
      window.clearTimeout(armed);
      armed = null;
      var org = registry.org;
      var query = "?value=" + encodeURIComponent(c.value) + "&type=" + encodeURIComponent(c.type);
      busy(button, $("registry-list"), function () {
        return api("DELETE", "/v1/registry/orgs/" + encodeURIComponent(org) + "/contacts" + query)
          .then(function () {
            notify(t("removed", { value: c.value, org: orgLabel(org) }));
            $("registry-org").focus(); // the row and its button are gone
            return loadContacts();
          });
      });
    });
    return button;
  }

  function renderContacts() {
    var region = $("registry-list");
    clear(region);
    if (!registry.org || !registry.contacts) {
      return;
    }
    if (!registry.contacts.length) {
      region.appendChild(el("p", { className: "muted" }, t("registry_empty")));
      return;
    }
    var cols = [
      "col_type",
      "col_value",
      "col_normalized",
      "col_source",
      "col_verified",
      "col_note",
    ];
    var table = el(
      "table",
      { className: "registry-table" },
      el("caption", null, t("registry_caption", { org: orgLabel(registry.org) })),
      el(
        "thead",
        null,
        el(
          "tr",
          null,
          cols.concat(["col_actions"]).map(function (col) {
            return el("th", { scope: "col" }, t(col));
          })
        )
      ),
      el(
        "tbody",
        null,
        registry.contacts.map(function (c) {
          var cells = [
            pick(TYPES, c.type),
            el("code", null, c.value),
            el("code", null, c.normalized),
            c.source,
            c.verified_at || "—",
            c.note || "—",
          ];
          return el(
            "tr",
            { dataset: { value: c.value, type: c.type } },
            cells.map(function (cell, i) {
              return el("td", { dataset: { label: t(cols[i]) } }, cell);
            }),
            el(
              "td",
              { className: "cell-actions", dataset: { label: t("col_actions") } },
              removeButton(c)
            )
          );
        })
      )
    );
    region.appendChild(el("div", { className: "table-wrap" }, table));
  }

  function loadContacts() {
    if (!registry.org) {
      registry.contacts = null;
      renderContacts();
      return Promise.resolve();
    }
    var org = registry.org;
    return api("GET", "/v1/registry/orgs/" + encodeURIComponent(org) + "/contacts").then(
      function (rows) {
        if (org === registry.org) {
          registry.contacts = rows;
          renderContacts();
        }
      }
    );
  }

  function loadOrgs() {
    return busy($("registry-load"), $("registry-list"), function () {
      return api("GET", "/v1/registry/orgs").then(function (orgs) {
        registry.orgs = orgs;
        registry.loaded = true;
        if (!orgs.some(function (o) { return o.slug === registry.org; })) {
          registry.org = null;
        }
        renderOrgs();
        return loadContacts();
      });
    });
  }

  function setupRegistry() {
    if (!$("registry-org")) {
      return;
    }
    renderOrgs();
    $("registry-load").addEventListener("click", loadOrgs);
    $("registry-org").addEventListener("change", function () {
      registry.org = $("registry-org").value || null;
      busy(null, $("registry-list"), loadContacts);
    });
    var form = $("registry-add");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var value = $("reg-value").value.trim();
      var source = $("reg-source").value.trim();
      var org = registry.org;
      busy(form.querySelector("button[type=submit]"), $("registry-list"), function () {
        if (!org) {
          throw new ApiError(t("org_missing"), "invalid_input", 0);
        }
        if (!value) {
          throw new ApiError(t("value_empty"), "invalid_input", 0);
        }
        if (!source) {
          throw new ApiError(t("source_empty"), "invalid_input", 0);
        }
        var body = {
          value: value,
          type: $("reg-type").value || undefined,
          source: source,
          verified_at: $("reg-verified").value || undefined,
          note: $("reg-note").value.trim() || undefined,
        };
        return api("POST", "/v1/registry/orgs/" + encodeURIComponent(org) + "/contacts", {
          json: body,
        }).then(function (added) {
          $("reg-value").value = "";
          $("reg-note").value = "";
          notify(t("added", { value: added.value, org: orgLabel(org) }));
          return loadContacts();
        });
      });
    });
    state.rerender.registry = function () {
      renderOrgs();
      renderContacts();
    };
    state.afterKey = function () {
      if (!$("panel-registry").hidden && !registry.loaded) {
        loadOrgs();
      }
    };
  }

  // -- audits ----------

  var audits = { jobs: {}, order: [], timers: {} };

  function rememberAudits() {
    var s = store("session");
    if (s) {
      try {
        s.setItem(AUDIT_STORE, JSON.stringify(audits.order.slice(0, 20)));
      } catch (e) {
        /* not essential */
      }
    }
  }

  function fileName(resp, fallback) {
    var header = resp.headers.get("Content-Disposition") || "";
    var m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(header);
    if (!m) {
      return fallback;
    }
    try {
      return decodeURIComponent(m[1]);
    } catch (e) {
      return fallback;
    }
  }

  /* Links to audit files need the key. Downloads: fetched with it, handed over as a blob.
   * The report opens in the report viewer (its own page, whose policy allows the report's
   * inline styles); window.open without noopener copies this tab's sessionStorage, key
   * included, to the new tab, and the viewer drops its opener at once. */
  function authLink(job, kind, label) {
    var path = "/v1/audits/" + job.id + "/" + kind;
    if (kind === "report") {
      var viewer = "/console/report#" + job.id;
      var open = el(
        "a",
        { href: viewer, target: "_blank", className: "button-link", dataset: { kind: kind } },
        label
      );
      open.addEventListener("click", function (event) {
        event.preventDefault();
        window.open(viewer, "_blank");
      });
      return open;
    }
    var name = "audit-" + job.id.slice(0, 8) + "-" + kind + ".csv";
    var link = el(
      "a",
      { href: path, download: name, className: "button-link", dataset: { kind: kind } },
      label
    );
    link.addEventListener("click", function (event) {
      event.preventDefault();
      busy(null, null, function () {
        return api("GET", path, { raw: true }).then(function (resp) {
          var saveAs = fileName(resp, name);
          return resp.blob().then(function (blob) {
            var url = URL.createObjectURL(blob);
            var save = el("a", { href: url, download: saveAs, hidden: true });
            document.body.appendChild(save);
            save.click();
            save.remove();
            window.setTimeout(function () {
              URL.revokeObjectURL(url);
            }, 60000);
          });
        });
      });
    });
    return link;
  }

  function renderJob(job) {
    var item = el("li", {
      className: "job card state-" + job.state,
      dataset: { id: job.id, state: job.state },
    });
    var progress = el("progress", { max: "1", "aria-label": t("progress") + " " + job.input });
    if (job.state === "done") {
      progress.value = 1;
    } else if (job.progress !== null && job.progress !== undefined) {
      progress.value = job.progress;
    } else {
      progress.removeAttribute("value");
    }
    var rows =
      job.rows_total !== null && job.rows_total !== undefined
        ? t("rows", { done: job.rows_done, total: job.rows_total })
        : t("rows_unknown", { done: job.rows_done || 0 });
    append(
      item,
      el(
        "div",
        { className: "job-head" },
        el("strong", { className: "job-name" }, job.input),
        badge("state", job.state, t("state_" + job.state)),
        el("code", { className: "muted" }, job.id.slice(0, 8))
      ),
      el("div", { className: "job-progress" }, progress, el("span", { className: "muted" }, rows))
    );
    if (job.state === "failed" && job.error) {
      item.appendChild(el("p", { className: "job-error" }, job.error));
    }
    if (job.state === "done") {
      var s = job.summary || {};
      var list = el("dl", { className: "details inline-details" });
      detailRow(list, t("sum_rows_read"), s.rows_read);
      detailRow(list, t("sum_rows_rejected"), s.rows_rejected);
      detailRow(list, t("sum_contacts"), s.contacts);
      item.appendChild(list);
      item.appendChild(
        el(
          "div",
          { className: "actions" },
          authLink(job, "report", t("open_report")),
          authLink(job, "result", t("download_result")),
          authLink(job, "rejects", t("download_rejects"))
        )
      );
    }
    return item;
  }

  function renderJobs() {
    var list = $("audit-jobs");
    clear(list);
    audits.order.forEach(function (id) {
      if (audits.jobs[id]) {
        list.appendChild(renderJob(audits.jobs[id]));
      }
    });
  }

  function poll(id) {
    window.clearTimeout(audits.timers[id]);
    api("GET", "/v1/audits/" + id).then(
      function (job) {
        audits.jobs[id] = job;
        renderJobs();
        if (job.state === "queued" || job.state === "running") {
          audits.timers[id] = window.setTimeout(function () {
            poll(id);
          }, POLL_MS);
        }
      },
      function (err) {
        showError(err);
        if (err.status === 404) {
          audits.order = audits.order.filter(function (x) {
            return x !== id;
          });
          rememberAudits();
        }
      }
    );
  }

  function setupAudits() {
    var form = $("audit-form");
    if (!form) {
      return;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var input = $("audit-file");
      var column = $("audit-column").value.trim();
      busy(form.querySelector("button[type=submit]"), $("audit-jobs"), function () {
        if (!input.files || !input.files.length) {
          throw new ApiError(t("file_missing"), "invalid_input", 0);
        }
        var data = new FormData();
        data.append("file", input.files[0]);
        if (column) {
          data.append("number_column", column);
        }
        return api("POST", "/v1/audits", { form: data }).then(function (job) {
          audits.jobs[job.id] = job;
          audits.order.unshift(job.id);
          rememberAudits();
          renderJobs();
          input.value = "";
          poll(job.id);
        });
      });
    });
    state.rerender.audits = renderJobs;
    var s = store("session");
    var saved = [];
    try {
      saved = JSON.parse((s && s.getItem(AUDIT_STORE)) || "[]");
    } catch (e) {
      saved = [];
    }
    if (Array.isArray(saved) && getKey()) {
      audits.order = saved.filter(function (id) {
        return /^[0-9a-f]{32}$/.test(id);
      });
      audits.order.forEach(poll);
    }
  }

  // -- report viewer ----------

  /* Fetch the report with the key and show it in this tab's place (a blob: document keeps
   * this page's policy, so it cannot run scripts either). */
  function setupReport() {
    if (mode !== "report") {
      return;
    }
    try {
      window.opener = null;
    } catch (e) {
      /* already none */
    }
    var status = $("report-state");
    var say = function (key) {
      status.setAttribute("data-i18n", key);
      status.textContent = t(key);
    };
    var id = window.location.hash.slice(1);
    if (!/^[0-9a-f]{32}$/.test(id)) {
      say("report_no_id");
      return;
    }
    var load = function () {
      if (!getKey()) {
        say("report_need_key");
        $("key-form").hidden = false;
        $("api-key").focus();
        return;
      }
      say("report_loading");
      api("GET", "/v1/audits/" + id + "/report", { raw: true })
        .then(function (resp) {
          return resp.blob();
        })
        .then(function (blob) {
          window.location.replace(URL.createObjectURL(new Blob([blob], { type: "text/html" })));
        })
        .catch(function (err) {
          showError(err);
          if (err.status === 401 || err.status === 403) {
            say("report_need_key");
            $("key-form").hidden = false;
          }
        });
    };
    state.afterKey = load;
    load();
  }

  // -- tabs ----------

  function setupTabs() {
    var tabs = Array.prototype.slice.call(document.querySelectorAll("[role=tab]"));
    if (!tabs.length) {
      return;
    }
    var name = function (tab) {
      return tab.id.replace(/^tab-/, "");
    };
    var select = function (tab, focus) {
      tabs.forEach(function (other) {
        var on = other === tab;
        other.setAttribute("aria-selected", on ? "true" : "false");
        other.tabIndex = on ? 0 : -1;
        $(other.getAttribute("aria-controls")).hidden = !on;
      });
      if (focus) {
        tab.focus();
      }
      if (window.history && window.history.replaceState) {
        window.history.replaceState(null, "", "#" + name(tab));
      }
      if (name(tab) === "registry" && !registry.loaded && getKey()) {
        loadOrgs();
      }
    };
    tabs.forEach(function (tab, i) {
      tab.addEventListener("click", function () {
        select(tab, false);
      });
      tab.addEventListener("keydown", function (event) {
        var next = null;
        if (event.key === "ArrowRight" || event.key === "ArrowDown") {
          next = tabs[(i + 1) % tabs.length];
        } else if (event.key === "ArrowLeft" || event.key === "ArrowUp") {
          next = tabs[(i - 1 + tabs.length) % tabs.length];
        } else if (event.key === "Home") {
          next = tabs[0];
        } else if (event.key === "End") {
          next = tabs[tabs.length - 1];
        }
        if (next) {
          event.preventDefault();
          select(next, true);
        }
      });
    });
    var fromHash = tabs.filter(function (tab) {
      return "#" + name(tab) === window.location.hash;
    })[0];
    if (fromHash) {
      select(fromHash, false);
    }
  }

  // -- key and language ------------------

  function syncKeyState() {
    var label = $("key-state");
    if (label) {
      label.textContent = t(getKey() ? "key_set" : "key_none");
      label.classList.toggle("is-set", Boolean(getKey()));
    }
  }

  function setupKey() {
    var form = $("key-form");
    if (!form) {
      return;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var input = $("api-key");
      var key = input.value.trim();
      if (!key) {
        showError(new ApiError(t("key_empty"), "invalid_input", 0));
        return;
      }
      setKey(key);
      input.value = "";
      clearError();
      syncKeyState();
      if (state.afterKey) {
        state.afterKey();
      }
    });
    var forget = $("key-forget");
    if (forget) {
      forget.addEventListener("click", function () {
        setKey(null);
        syncKeyState();
      });
    }
  }

  function initialLanguage() {
    var asked = new URLSearchParams(window.location.search).get("lang");
    if (asked === "zh" || asked === "en") {
      return asked;
    }
    var local = store("local");
    var saved = local ? local.getItem(LANG_STORE) : null;
    if (saved === "zh" || saved === "en") {
      return saved;
    }
    var first = (navigator.languages && navigator.languages[0]) || navigator.language || "en";
    return /^zh\b/i.test(first) ? "zh" : "en";
  }

  function applyLanguage(lang) {
    state.lang = lang;
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.querySelectorAll("[data-i18n]").forEach(function (node) {
      node.textContent = t(node.getAttribute("data-i18n"));
    });
    document.querySelectorAll("[data-i18n-placeholder]").forEach(function (node) {
      node.setAttribute("placeholder", t(node.getAttribute("data-i18n-placeholder")));
    });
    document.querySelectorAll("[data-i18n-aria-label]").forEach(function (node) {
      node.setAttribute("aria-label", t(node.getAttribute("data-i18n-aria-label")));
    });
    var title = document.querySelector("title[data-i18n]");
    if (title) {
      document.title = t(title.getAttribute("data-i18n"));
    }
    var other = lang === "zh" ? "en" : "zh";
    var button = $("lang-switch");
    if (button) {
      button.textContent = other === "zh" ? "中文" : "English";
      button.setAttribute("lang", other === "zh" ? "zh-CN" : "en");
      button.setAttribute("aria-label", I18N[other].switch_to);
    }
    fillSelect($("contact-type"), TYPES, t("type_auto"));
    fillSelect($("reg-type"), TYPES, t("type_auto"));
    fillSelect($("contact-channel"), CHANNELS, t("channel_any"));
    if (state.syncChatLabels) {
      state.syncChatLabels();
    }
    syncKeyState();
    Object.keys(state.rerender).forEach(function (name) {
      state.rerender[name]();
    });
  }

  function setupLanguage() {
    var button = $("lang-switch");
    if (button) {
      button.addEventListener("click", function () {
        var next = state.lang === "zh" ? "en" : "zh";
        var local = store("local");
        if (local) {
          try {
            local.setItem(LANG_STORE, next);
          } catch (e) {
            /* not essential */
          }
        }
        applyLanguage(next);
      });
    }
  }

  function setupAlert() {
    var close = $("alert-close");
    if (close) {
      close.addEventListener("click", clearError);
    }
  }

  function start() {
    state.lang = initialLanguage();
    setupAlert();
    setupKey();
    setupChat();
    setupContact();
    setupRegistry();
    setupAudits();
    setupLanguage();
    setupReport();
    applyLanguage(state.lang);
    setupTabs();
    var org = new URLSearchParams(window.location.search).get("org");
    if (org && $("chat-org")) {
      $("chat-org").value = org.slice(0, 200);
    }
    document.body.classList.add("ready");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

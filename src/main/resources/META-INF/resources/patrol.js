// patrol's status page: a little JavaScript over the JSON API, no build step.
// The caller's Vault token lives in sessionStorage (this tab only) and travels as a header; it is
// never put in a cookie or URL. The page reads only endpoints that carry no secret: it never calls
// /token. Every value from the API reaches the DOM as text (textContent), never as markup.
(function () {
  'use strict';

  const KEY = 'patrol.vault-token';
  const SVG = 'http://www.w3.org/2000/svg';
  const DAY = 86400000;
  const $ = (id) => document.getElementById(id);

  function token() { return sessionStorage.getItem(KEY); }

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) e.setAttribute(k, v);
    for (const c of children) if (c !== undefined && c !== null) e.append(c instanceof Node ? c : String(c));
    return e;
  }

  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function tip(node, text) { node.append(svg('title', {}, text)); return node; }

  class ApiError extends Error {
    constructor(status, detail) { super(detail); this.status = status; }
  }

  async function api(path) {
    const r = await fetch('/api/v1' + path, {
      headers: { 'Authorization': 'Bearer ' + token(), 'Accept': 'application/json' },
      credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer'
    });
    let body = null;
    try { body = await r.json(); } catch (e) { body = null; }
    if (!r.ok) throw new ApiError(r.status, (body && (body.detail || body.title)) || ('HTTP ' + r.status));
    return body;
  }

  function message(text, kind) {
    const m = $('message');
    m.textContent = text;
    m.className = kind || '';
    m.hidden = !text;
  }

  function showLogin(text) {
    sessionStorage.removeItem(KEY);
    $('login').hidden = false;
    $('status').hidden = true;
    $('refresh').hidden = true;
    $('signout').hidden = true;
    message(text || '');
    $('token').focus();
  }

  // ------------------------------------------------------------------ loading

  let timer = null;

  async function load(withReports) {
    let list;
    try {
      list = await api('/connections');
    } catch (e) {
      if (e.status === 401) return showLogin('This Vault token is not valid (unknown, expired or revoked). Sign in with another one.');
      if (e.status === 403) return showLogin('This Vault token may not list patrol\'s connections: ' + e.message + ' Use an on-call token.');
      message('patrol did not answer: ' + e.message);
      return;
    }
    $('login').hidden = true;
    $('status').hidden = false;
    $('refresh').hidden = false;
    $('signout').hidden = false;
    message('');
    const histories = await Promise.all(list.map((c) => api('/connections/' + encodeURIComponent(c.name) + '/history')
      .catch((e) => ({ connection: c.name, error: e }))));
    const box = $('connections');
    box.replaceChildren(...histories.map(card));
    if (list.length === 0) box.append(el('p', { class: 'muted' }, 'No connections are registered.'));
    $('updated').textContent = 'as of ' + new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    if (withReports) await reports();
  }

  async function reports() {
    $('drift').replaceChildren(el('p', { class: 'muted' }, 'Scanning…'));
    $('posture').replaceChildren(el('p', { class: 'muted' }, 'Checking…'));
    const [drift, posture] = await Promise.all([api('/drift').catch((e) => e), api('/posture').catch((e) => e)]);
    $('drift').replaceChildren(drift instanceof Error ? refused(drift) : driftTable(drift));
    $('posture').replaceChildren(posture instanceof Error ? refused(posture) : postureTable(posture));
  }

  function refused(e) {
    return el('p', { class: 'reason' }, e.status === 403 ? 'Needs read on patrol/reports: ' + e.message : e.message);
  }

  // ------------------------------------------------------------------ one connection

  const LABELS = {
    'ok': 'ok', 'expiring-soon': 'expiring soon', 'expired': 'expired', 'rotation-failing': 'rotation failing',
    'blocked': 'blocked', 'suspended': 'suspended', 'no-secret': 'no secret yet'
  };

  function card(h) {
    const c = el('div', { class: 'card', 'data-connection': h.connection });
    if (h.error) {
      c.append(el('div', { class: 'head' }, el('span', { class: 'name' }, h.connection),
        el('span', { class: 'status unknown' }, 'unknown')), el('p', { class: 'reason' }, h.error.message));
      return c;
    }
    const head = el('div', { class: 'head' }, el('span', { class: 'name' }, h.connection),
      el('span', { class: 'status ' + h.status, 'data-status': h.status }, LABELS[h.status] || h.status),
      el('span', { class: 'detail', 'data-account': h.account }, (h.account ? h.account + ': ' : '') + h.user + ' / ' + h.role));
    if (h.current) {
      head.append(el('span', { class: 'detail' }, h.current.token_name + ' (v' + h.current.version + '), expires ' + h.current.expires_at
        + ' — in ' + Math.floor((Date.parse(h.current.expires_at) - Date.parse(h.now)) / DAY) + ' days'));
    }
    c.append(head);
    if (h.suspended_reason) c.append(el('p', { class: 'reason' }, 'Suspended: ' + h.suspended_reason));
    if (h.blocked_reason) c.append(el('p', { class: 'reason' }, 'Blocked by a guardrail: ' + h.blocked_reason));
    if (h.consecutive_failures > 0) c.append(el('p', { class: 'reason' }, 'Rotation failed ' + h.consecutive_failures + ' time(s) in a row; see the audit log.'));
    if (h.change_pending) c.append(el('p', { class: 'detail' }, 'A change is pending (an interrupted rotation the next sweep repairs).'));
    if (h.snowflake_error) c.append(el('p', { class: 'reason' }, h.snowflake_error));
    c.append(timeline(h));
    return c;
  }

  // ------------------------------------------------------------------ the SVG timeline

  function timeline(h) {
    const now = Date.parse(h.now);
    const rows = [];
    for (const v of h.versions) {
      const start = Date.parse(v.created_at || v.written_at);
      if (isNaN(start)) continue;
      const removed = v.removed_at ? Date.parse(v.removed_at) : null;
      const replaced = v.replaced_at ? Date.parse(v.replaced_at) : null;
      let end = replaced || (v.expires_at ? Date.parse(v.expires_at) : (removed || now));
      if (removed && removed < end) end = removed;
      const row = { label: 'v' + v.version + ' ' + (v.token_name || '(destroyed)'), parts: [], kind: 'version' };
      const cls = 'bar version' + (v.status === 'current' ? ' current' : '') + (v.status === 'destroyed' ? ' revoked' : '');
      row.parts.push({ cls, from: start, to: end, version: v.version,
        tip: 'version ' + v.version + ' ' + (v.token_name || '') + ': created ' + (v.created_at || v.written_at)
          + (v.expires_at ? ', expires ' + v.expires_at : '') + (v.replaced_at ? ', replaced ' + v.replaced_at : '')
          + (v.removed_at ? ', destroyed ' + v.removed_at : '') + ' (' + v.status + ')' });
      if (replaced && v.grace_until) {
        let g = Date.parse(v.grace_until);
        if (removed && removed < g) g = removed;
        if (g > replaced) row.parts.push({ cls: 'bar grace', from: replaced, to: g, tip: 'grace: the previous secret works until ' + v.grace_until });
      }
      if (replaced) row.rotation = replaced;
      rows.push(row);
    }
    for (const t of h.snowflake_tokens || []) {
      if (t.patrol) continue;
      const from = Date.parse(t.created_on), to = Date.parse(t.expires_at);
      if (isNaN(from)) continue;
      rows.push({ label: 'foreign ' + t.name, kind: 'foreign', parts: [{ cls: 'bar foreign', from, to: isNaN(to) ? now : to,
        tip: 'token ' + t.name + ' was not made by patrol; role ' + (t.role_restriction || 'none') + ', status ' + t.status }] });
    }
    const times = [now];
    rows.forEach((r) => r.parts.forEach((p) => times.push(p.from, p.to)));
    h.events.forEach((e) => times.push(Date.parse(e.at)));
    let lo = Math.min(...times.filter((t) => !isNaN(t))), hi = Math.max(...times.filter((t) => !isNaN(t)));
    if (hi - lo < DAY) { lo -= DAY / 2; hi += DAY / 2; }
    const pad = (hi - lo) * 0.02;
    lo -= pad; hi += pad;

    const W = 1000, LEFT = 230, RIGHT = 10, ROW = 18, TOP = 6;
    const H = TOP + Math.max(rows.length, 1) * ROW + 22;
    const x = (t) => LEFT + (W - LEFT - RIGHT) * (t - lo) / (hi - lo);
    const s = svg('svg', { class: 'timeline', viewBox: '0 0 ' + W + ' ' + H, role: 'img',
      'aria-label': 'token timeline of ' + h.connection, 'data-connection': h.connection });
    const axisY = TOP + Math.max(rows.length, 1) * ROW + 4;
    s.append(svg('line', { class: 'axis', x1: LEFT, x2: W - RIGHT, y1: axisY, y2: axisY }));
    for (let i = 0; i <= 4; i++) {
      const t = lo + (hi - lo) * i / 4;
      s.append(svg('text', { class: 'tick', x: x(t), y: axisY + 13, 'text-anchor': i === 0 ? 'start' : i === 4 ? 'end' : 'middle' },
        new Date(t).toISOString().slice(0, 16).replace('T', ' ')));
    }
    rows.forEach((r, i) => {
      const y = TOP + i * ROW;
      s.append(svg('text', { class: 'label', x: 4, y: y + 12 }, r.label));
      for (const p of r.parts) {
        const attrs = { class: p.cls, x: x(p.from), y: y + 3, width: Math.max(2, x(p.to) - x(p.from)), height: ROW - 6, rx: 2 };
        if (p.version !== undefined) attrs['data-version'] = p.version;
        s.append(tip(svg('rect', attrs), p.tip));
      }
      if (r.rotation) {
        const rx = x(r.rotation);
        s.append(tip(svg('path', { class: 'rotation', d: `M${rx - 4},${y + ROW} L${rx + 4},${y + ROW} L${rx},${y + ROW - 6} Z` }),
          'rotated at ' + new Date(r.rotation).toISOString()));
      }
    });
    for (const e of h.events) {
      const t = Date.parse(e.at);
      if (isNaN(t)) continue;
      s.append(tip(svg('line', { class: 'event ' + e.kind, x1: x(t), x2: x(t), y1: TOP, y2: axisY }),
        e.kind + ' at ' + e.at + (e.by ? ' by ' + e.by : '') + (e.reason ? ': ' + e.reason : '')));
    }
    s.append(tip(svg('line', { class: 'now', x1: x(now), x2: x(now), y1: 0, y2: axisY + 2 }), 'now ' + h.now));
    return s;
  }

  // ------------------------------------------------------------------ reports

  function driftTable(r) {
    const box = el('div');
    box.append(el('p', { class: 'muted' }, 'Scanned ' + r.scanned_at + '; ' + r.findings.length + ' finding(s).'));
    if (r.findings.length === 0) return box;
    const t = el('table', { id: 'drift-findings' }, el('tr', {}, el('th', {}, 'kind'), el('th', {}, 'connection'),
      el('th', {}, 'token'), el('th', {}, 'detail'), el('th', {}, 'action')));
    for (const f of r.findings) {
      t.append(el('tr', {}, el('td', {}, f.kind), el('td', {}, f.connection), el('td', {}, f.token || ''),
        el('td', {}, f.detail), el('td', {}, f.action + ': ' + f.outcome)));
    }
    box.append(t);
    return box;
  }

  function postureTable(r) {
    const box = el('div');
    box.append(el('p', { class: 'muted' }, 'Checked ' + r.checked_at + '; ' + r.failing + ' failing.'));
    const t = el('table', { id: 'posture-checks' }, el('tr', {}, el('th', {}, 'check'), el('th', {}, 'status'),
      el('th', {}, 'evidence'), el('th', {}, 'fix')));
    for (const c of r.checks) {
      const fix = c.fix || '';
      const ev = c.evidence || {};
      const evidence = [c.detail, ev.statement && ('ran ' + ev.statement), ev.value && ('saw ' + ev.value)]
        .filter((v) => v !== undefined && v !== null && v !== '').join(' — ');
      t.append(el('tr', {}, el('td', {}, c.check + (c.subject ? ' (' + c.subject + ')' : '')),
        el('td', { class: c.status }, c.status), el('td', {}, evidence),
        el('td', {}, fix && c.status !== 'PASS' ? el('pre', {}, fix) : '')));
    }
    box.append(t);
    return box;
  }

  // ------------------------------------------------------------------ wiring

  $('login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = $('token').value.trim();
    $('token').value = '';
    if (!v) return;
    sessionStorage.setItem(KEY, v);
    message('Loading…', 'info');
    load(true);
  });
  $('signout').addEventListener('click', () => { clearInterval(timer); showLogin('Signed out.'); });
  $('refresh').addEventListener('click', () => load(true));
  // The connections refresh by themselves; drift and posture scan Snowflake, so only on demand.
  timer = setInterval(() => { if (token()) load(false); }, 60000);
  if (token()) load(true); else showLogin('');
})();

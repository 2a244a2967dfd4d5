// The status page's HTML and stylesheet, served by routes/ui.ts. The page's script is compiled
// from ui/app/ (its own tsconfig, with the DOM library) into dist. Nothing here comes from outside
// supd: system fonts, no images but the icon below.

/**
 * The page, its files under `base` (`/ui/<version>/`, cached for good since the version changes
 * with their content). Every module app.js imports is in `preload`, so the browser fetches them
 * beside app.js instead of after compiling it.
 */
export function indexHtml(base: string, preload: readonly string[]): string {
  const modules = preload.map((m) => `<link rel="modulepreload" href="${base}${m}">\n`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>supd</title>
<link rel="icon" href="${base}icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${base}app.css">
${modules}<script type="module" src="${base}app.js"></script>
</head>
<body>
<header>
  <h1>supd</h1>
  <span id="conn" class="conn connecting">connecting…</span>
  <span id="summary"></span>
  <span class="spacer"></span>
  <button id="token-button" type="button">Token</button>
</header>
<div id="banner" class="banner" role="alert" hidden></div>
<div id="fleet-banner" class="banner fleet" role="alert" hidden><span id="fleet-banner-text"></span> <span id="fleet-banner-why" class="why"></span></div>
<form id="token-form" class="bar" hidden>
  <label>Token <input id="token-input" type="password" autocomplete="off" spellcheck="false"></label>
  <button type="submit">Use in this tab</button>
  <button id="token-forget" type="button">Forget</button>
  <span id="token-why"></span>
</form>
<div id="confirm" class="bar" hidden>
  <span id="confirm-text"></span>
  <button id="confirm-yes" type="button">Yes</button>
  <button id="confirm-no" type="button">No</button>
</div>
<div id="notice" class="notice" hidden></div>
<main>
  <section id="units-section">
    <h2>Units</h2>
    <table id="units"><thead id="units-head"></thead><tbody id="units-body"></tbody></table>
  </section>
  <div class="side">
    <section id="rollouts-section"><h2>Rollouts</h2><div id="rollouts"></div></section>
    <section id="groups-section"><h2>Groups</h2><div id="groups"></div></section>
    <section id="log-section"><h2 id="log-title">Log</h2><pre id="log"></pre></section>
  </div>
</main>
</body>
</html>
`;
}

export const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1f6f43"/><path d="M4 8h8M8 4v8" stroke="#fff" stroke-width="2"/></svg>
`;

export const APP_CSS = `:root {
  --bg: #f6f7f9; --panel: #fff; --ink: #1d2329; --muted: #66707a; --line: #dde1e6;
  --ok: #1f7a45; --warn: #a86400; --bad: #b42318; --info: #0b6a8a; --stop: #6941c6; --off: #8a939c;
  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg);
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; }
header { display: flex; align-items: center; gap: 12px; padding: 8px 16px; background: #17202a; color: #fff; }
header h1 { font-size: 18px; margin: 0; letter-spacing: .5px; }
.spacer { flex: 1; }
button { font: inherit; border: 1px solid var(--line); background: var(--panel); color: var(--ink); border-radius: 4px; padding: 2px 8px; cursor: pointer; }
button:hover { border-color: var(--muted); }
header button { background: transparent; color: #fff; border-color: #55606b; }
.conn { padding: 1px 8px; border-radius: 10px; font-size: 12px; background: #55606b; }
.conn.live { background: var(--ok); }
.conn.down, .conn.locked { background: var(--bad); }
.banner { background: var(--bad); color: #fff; padding: 8px 16px; font-weight: 600; }
.bar { display: flex; gap: 8px; align-items: center; padding: 8px 16px; background: #fff7e0; border-bottom: 1px solid var(--line); }
.notice { padding: 6px 16px; border-bottom: 1px solid var(--line); }
.notice.ok { background: #e8f5ee; }
.notice.error { background: #fdecea; color: var(--bad); font-weight: 600; }
main { display: grid; grid-template-columns: minmax(0, 2fr) minmax(300px, 1fr); gap: 16px; padding: 16px; }
@media (max-width: 1000px) { main { grid-template-columns: minmax(0, 1fr); } }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; margin-bottom: 16px; overflow: auto; }
h2 { font-size: 14px; text-transform: uppercase; letter-spacing: .6px; color: var(--muted); margin: 4px 0 8px; }
table { border-collapse: collapse; width: 100%; }
th { text-align: left; font-weight: 600; color: var(--muted); font-size: 12px; border-bottom: 1px solid var(--line); padding: 4px 6px; }
td { padding: 4px 6px; vertical-align: top; white-space: nowrap; }
td.c-reason { white-space: normal; color: var(--muted); min-width: 10em; max-width: 32em; overflow-wrap: break-word; }
td.c-pid, td.c-uptime, td.c-restarts, td.c-cpu, td.c-memory, td.c-connections { text-align: right; font-variant-numeric: tabular-nums; }
tr.unit { border-top: 1px solid var(--line); }
tr.unit.selected { background: #eef4ff; }
tr.unit.flash td { animation: flash 1.5s ease-out; }
@keyframes flash { from { background: #fff3bf; } to { background: transparent; } }
tr.tail td { padding-top: 0; }
tr.unit.selected + tr.tail { background: #eef4ff; }
pre { font: 12px/1.35 ui-monospace, "DejaVu Sans Mono", Menlo, monospace; margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.log-tail { color: var(--muted); }
#log { max-height: 420px; overflow: auto; background: #0f1419; color: #d7dde3; padding: 8px; border-radius: 4px; min-height: 4em; }
button.link { border: 0; background: none; padding: 0; font-weight: 600; color: var(--ink); }
.state { display: inline-block; padding: 0 6px; border-radius: 3px; font-size: 12px; font-weight: 600; color: #fff; background: var(--off); margin-right: 4px; }
.s-ready { background: var(--ok); } .s-starting, .s-waiting { background: var(--warn); }
.s-draining { background: var(--info); } .s-stopping { background: var(--stop); }
.s-backoff, .s-failed { background: var(--bad); } .s-inactive { background: var(--off); }
.s-unknown { background: #fff; color: var(--bad); border: 1px dashed var(--bad); }
.banner.fleet { background: var(--warn); }
.banner .why { display: block; font-weight: 400; font-size: 12px; opacity: .9; }
td.c-host { font-weight: 600; color: var(--info); }
tr.unit.h-unreachable td.c-host { color: var(--bad); text-decoration: line-through; }
body.fleet-down tr.unit.remote { opacity: .5; }
.rollout-driver { color: var(--muted); font-size: 12px; }
.flags { font-size: 11px; color: var(--warn); font-weight: 600; }
td.c-actions button { font-size: 12px; margin: 0 2px 2px 0; }
.group { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; padding: 4px 0; border-top: 1px solid var(--line); }
.group-name { font-weight: 600; min-width: 6em; }
.members { flex: 1; }
.rollout { border-top: 1px solid var(--line); padding: 6px 0; }
.rollout-head { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.rollout-id { font-family: ui-monospace, monospace; font-size: 12px; }
.rollout-target { font-weight: 600; }
.rollout-strategy, .rollout-trigger { color: var(--muted); font-size: 12px; }
.rollout-state { font-weight: 600; }
.r-running { color: var(--warn); } .r-ok { color: var(--ok); } .r-error, .r-interrupted { color: var(--bad); } .r-canceled { color: var(--stop); }
.steps { margin: 4px 0 0; padding-left: 20px; }
.step { display: flex; gap: 8px; }
.step-state { font-weight: 600; }
.p-ok .step-state { color: var(--ok); } .p-in-progress .step-state { color: var(--warn); }
.p-pending .step-state { color: var(--off); } .p-error .step-state { color: var(--bad); } .p-canceled .step-state { color: var(--stop); }
.step-reason, .rollout-error { color: var(--bad); font-size: 12px; }
.empty { color: var(--muted); margin: 0; }
body.offline main { opacity: .55; }
`;

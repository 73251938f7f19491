import type { JsonObject, SystemName } from '../../core/api-call.ts';

/** Which system served a page: shown on every page so an operator watching sees the routing. */
export interface ServedBy {
  role: SystemName;
  env: number;
}

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = 'body{font-family:sans-serif;margin:2em;max-width:60em}'
  + '#served-by{padding:.4em .8em;border-radius:4px;display:inline-block;color:#fff}'
  + '#served-by[data-role=source]{background:#8a5a00}#served-by[data-role=target]{background:#1c6b2a}'
  + 'table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}'
  + '.message{padding:.6em;border:1px solid #b00;color:#b00}nav a{margin-right:1em}';

/**
 * One portal page. Links are absolute (`origin` + path), as many real portals emit them, which is
 * exactly what a front end must rewrite to keep the browser on its own address.
 */
export function portalPage(o: { title: string; served: ServedBy; origin: string; user?: string; body: string }): string {
  const nav = o.user === undefined ? '' : `<nav><a href="${o.origin}/home">Summary</a><a href="${o.origin}/invoices">Invoices</a><a href="${o.origin}/xdrs">Calls</a>`
    + `<form method="post" action="${o.origin}/logout" style="display:inline"><button id="logout" type="submit">Log out</button></form></nav>`
    + `<p>Logged in as <span id="user-name">${escapeHtml(o.user)}</span></p>`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(o.title)} - PortaBilling self-care</title>`
    + `<link rel="stylesheet" href="${o.origin}/portal.css"><style>${STYLE}</style></head><body>`
    + `<p id="served-by" data-role="${o.served.role}" data-env="${o.served.env}">Served by the ${o.served.role} system (i_env ${o.served.env})</p>`
    + `${nav}<h1>${escapeHtml(o.title)}</h1>${o.body}</body></html>`;
}

/** The login form (fields `login`, `password`, `realm`), with an optional message. */
export function loginForm(origin: string, message?: string): string {
  const note = message === undefined ? '' : `<p class="message" id="message">${escapeHtml(message)}</p>`;
  return `${note}<form method="post" action="${origin}/login">`
    + '<label>Login <input name="login" id="login" autocomplete="username" required></label><br>'
    + '<label>Password <input name="password" id="password" type="password" autocomplete="current-password" required></label><br>'
    + '<label>I am <select name="realm" id="realm"><option value="customer">a customer</option><option value="account">an account (phone line)</option></select></label><br>'
    + '<button type="submit" id="submit">Log in</button></form>';
}

export function money(amount: unknown, currency: unknown): string {
  return `${typeof amount === 'number' ? amount.toFixed(2) : escapeHtml(amount)} ${escapeHtml(currency)}`;
}

/** A table of rows with the given columns (values escaped). */
export function table(id: string, columns: string[], rows: JsonObject[]): string {
  if (rows.length === 0) return `<p id="${id}-empty">Nothing to show.</p>`;
  const head = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = rows.map((r) => `<tr>${columns.map((c) => `<td>${escapeHtml(r[c] ?? '')}</td>`).join('')}</tr>`).join('');
  return `<table id="${id}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

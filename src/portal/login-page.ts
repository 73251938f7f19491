/** Messages the dispatcher's login page can show, chosen by code (never echoed from the URL). */
export const PORTAL_MESSAGES = {
  moved: 'Your account was moved to another system while you were logged in. Please log in again.',
  autoLoginMoved: 'Automatic login refused: this customer has been moved to another billing system, so a login link issued by the old system is not accepted. Administrator: click Login again, that is, log in with the customer\'s credentials.',
  autoLoginInvalid: 'This automatic login link is not valid. Please log in with your credentials.',
  failed: 'Login failed: check your login and password.',
  missing: 'Enter your login and password.',
  throttled: 'Too many failed logins. Please try again later.',
  unavailable: 'The self-care portal is temporarily unavailable. Please try again later.',
  loggedOut: 'You have logged out.',
  expired: 'Your session has ended. Please log in again.',
} as const;

export type PortalMessage = keyof typeof PORTAL_MESSAGES;

/**
 * The dispatcher's own portal login page: the one address everybody logs in at. Fields `login`,
 * `password`, `realm` (customer | account), as the systems' own portals take them.
 */
export function loginPageHtml(message?: PortalMessage): string {
  const note = message === undefined ? '' : `<p class="message" id="message" data-code="${message}">${PORTAL_MESSAGES[message]}</p>`;
  return '<!doctype html><html><head><meta charset="utf-8"><title>Log in - self-care</title>'
    + '<style>body{font-family:sans-serif;margin:2em;max-width:60em}.message{padding:.6em;border:1px solid #b00;color:#b00}'
    + '#served-by{padding:.4em .8em;border-radius:4px;display:inline-block;background:#334;color:#fff}</style></head><body>'
    + '<p id="served-by" data-role="dispatcher">WebDispatcher self-care portal</p><h1>Log in</h1>'
    + `${note}<form method="post" action="/login">`
    + '<label>Login <input name="login" id="login" autocomplete="username" required></label><br>'
    + '<label>Password <input name="password" id="password" type="password" autocomplete="current-password" required></label><br>'
    + '<label>I am <select name="realm" id="realm"><option value="customer">a customer</option><option value="account">an account (phone line)</option></select></label><br>'
    + '<button type="submit" id="submit">Log in</button></form></body></html>';
}

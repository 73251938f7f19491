import type { SystemName } from '../../core/api-call.ts';
import type { SimAccount, SimCustomer, SimPortaSipState } from '../model/records.ts';

/** File formats a phone may ask for: `<mac>.cfg` (key = value, Yealink style) or `<mac>.xml`. */
export type CpeFormat = 'cfg' | 'xml';

export const CPE_CONTENT_TYPES: Readonly<Record<CpeFormat, string>> = {
  cfg: 'text/plain; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
};

/** The SIP registrar of a simulated system: a moved phone must learn the new one. */
export function sipServerOf(role: SystemName): string {
  return `sip.${role}.pbx.example.net`;
}

function xmlAttr(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Renders the configuration file of one phone from its account's SIP settings. */
export function renderCpeConfig(format: CpeFormat, o: {
  mac: string; role: SystemName; env: number; account: SimAccount; customer: SimCustomer; portasip: SimPortaSipState;
}): string {
  const { account, customer } = o;
  const display = `${customer.firstname} ${customer.lastname}`.trim() || customer.name;
  const mailbox = typeof o.portasip.voicemail.mailbox === 'string' ? o.portasip.voicemail.mailbox : account.id;
  const server = sipServerOf(o.role);
  if (format === 'cfg') {
    return [
      '#!version:1.0.0.1',
      `# Provisioning file for ${o.mac}, served by the ${o.role} system (i_env ${o.env})`,
      'account.1.enable = 1',
      `account.1.label = ${account.id}`,
      `account.1.display_name = ${display}`,
      `account.1.user_name = ${account.id}`,
      `account.1.auth_name = ${account.login}`,
      `account.1.password = ${account.password}`,
      `account.1.sip_server.1.address = ${server}`,
      'account.1.sip_server.1.port = 5060',
      `voice_mail.number.1 = *98${mailbox}`,
      `static.auto_provision.custom.sim_env = ${o.env}`,
      '',
    ].join('\n');
  }
  return '<?xml version="1.0" encoding="UTF-8"?>\n'
    + `<!-- Provisioning file for ${o.mac}, served by the ${o.role} system (i_env ${o.env}) -->\n`
    + `<device mac="${o.mac}" i_env="${o.env}">\n`
    + `  <reg line="1" label="${xmlAttr(account.id)}" displayName="${xmlAttr(display)}" address="${xmlAttr(account.id)}"`
    + ` authUserId="${xmlAttr(account.login)}" authPassword="${xmlAttr(account.password)}" server="${server}" port="5060"/>\n`
    + `  <voicemail number="*98${xmlAttr(mailbox)}"/>\n`
    + '</device>\n';
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { hasOpsToken } from './ops-token.ts';
import type { LocationDirectory } from '../directory/location-directory.ts';
import type { SessionStore } from '../sessions/session-store.ts';
import type { BackendClient } from '../backends/backend-client.ts';
import type { CutoverHolds } from '../execution/cutover-holds.ts';
import type { Metrics } from '../core/metrics.ts';

export interface DashboardDeps {
  token: string;
  directory: LocationDirectory;
  sessions: SessionStore;
  backends: BackendClient;
  holds: CutoverHolds;
  metrics: Metrics;
}

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>WebDispatcher — operations</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
 body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#1d2530;background:#f6f7f9}
 h1{font-size:1.3rem} section{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:1rem;margin:0 0 1rem}
 table{border-collapse:collapse} td,th{padding:.25rem .75rem;text-align:left;border-bottom:1px solid #eef0f2}
 .ok{color:#137333}.bad{color:#b3261e} .big{font-size:1.6rem;font-weight:600}
</style></head><body>
<h1>WebDispatcher — operations</h1>
<form id="auth"><label>Ops token <input id="token" type="password" autocomplete="off"></label> <button>Show</button></form>
<div id="view" hidden>
<section><h2>Migration</h2><div>Cutovers committed: <span class="big" id="commits">0</span> · aborted: <span id="aborts">0</span> · moving now: <span id="moving">0</span> · calls held: <span id="held">0</span></div>
<table id="movingList"><thead><tr><th>i_customer</th><th>leaving</th><th>since</th></tr></thead><tbody></tbody></table></section>
<section><h2>Campaigns</h2><table id="campaigns"><thead><tr><th>name</th><th>state</th><th>progress</th><th>committed / failed / total</th><th>rate</th><th>ETA</th><th>failures (latest)</th></tr></thead><tbody></tbody></table></section>
<section><h2>Configuration drift</h2><div id="driftSummary">No report yet.</div>
<table id="drift"><thead><tr><th>entity</th><th>id</th><th>name</th><th>difference</th><th>field</th><th>source</th><th>target</th></tr></thead><tbody></tbody></table></section>
<section><h2>Traffic per system</h2><table id="traffic"><tbody></tbody></table></section>
<section><h2>Backends</h2><table id="backends"><tbody></tbody></table></section>
<section><h2>Sessions</h2><div>Live sessions: <span id="sessions">0</span></div></section>
</div>
<script>
const $ = (id) => document.getElementById(id);
function row(cells){const tr=document.createElement('tr');for(const c of cells){const td=document.createElement('td');td.textContent=String(c);tr.append(td);}return tr;}
async function refresh(){
  const token = sessionStorage.getItem('wdToken'); if(!token) return;
  const res = await fetch('/v1/dashboard.json',{headers:{authorization:'Bearer '+token}});
  if(!res.ok){ $('view').hidden=true; return; }
  const d = await res.json(); $('view').hidden=false;
  $('commits').textContent=d.cutovers.commit??0; $('aborts').textContent=d.cutovers.abort??0;
  $('moving').textContent=d.moving.length; $('held').textContent=d.heldCalls; $('sessions').textContent=d.sessions;
  const mv=$('movingList').tBodies[0]; mv.replaceChildren(...d.moving.map(m=>row([m.i_customer,m.system,m.updated_at])));
  $('traffic').tBodies[0].replaceChildren(...Object.entries(d.traffic).map(([s,n])=>row([s,n+' calls'])));
  $('backends').tBodies[0].replaceChildren(...Object.entries(d.backends).map(([s,h])=>{const r=row([s,h.ok?'up':'down',h.lastError??'']);r.className=h.ok?'ok':'bad';return r;}));
  const cr = await fetch('/v1/campaigns',{headers:{authorization:'Bearer '+token}});
  const cs = cr.ok ? (await cr.json()).campaigns : [];
  $('campaigns').tBodies[0].replaceChildren(...cs.map(c=>{const done=c.phase==='rollback'?c.rolledBack+c.failed:c.committed+c.failed+c.rolledBack;
    return row([c.name,c.state+(c.phase==='rollback'?' (rollback)':'')+(c.reason?': '+c.reason:'')+(c.waiting?': '+c.waiting:''),(c.total?Math.floor(100*done/c.total):100)+'%',c.committed+' / '+c.failed+' / '+c.total,c.ratePerMinute+'/min',c.eta===null?'':Math.ceil(c.eta/60)+' min',c.failures.slice(0,5).map(f=>f.i_customer+' '+f.step+': '+f.reason).join(' | ')]);}));
  const dr = await fetch('/v1/drift',{headers:{authorization:'Bearer '+token}});
  const ds = dr.ok ? await dr.json() : null; const rep = ds && ds.report;
  const show = (v) => v === undefined ? '(absent)' : JSON.stringify(v);
  $('driftSummary').textContent = !rep ? (ds && ds.running ? 'Comparing…' : 'No report yet.') :
    rep.outcome+' at '+rep.finishedAt+' — '+rep.totals.missingOnTarget+' missing on target, '+rep.totals.missingOnSource+' missing on source, '+rep.totals.differing+' differing'
    +rep.entities.filter(e=>!e.compared).map(e=>' · '+e.entity+': '+e.error).join('')+(ds.nextRunAt?' · next run '+ds.nextRunAt:'');
  $('driftSummary').className = rep ? (rep.outcome==='clean'?'ok':'bad') : '';
  const rows = []; for (const e of rep ? rep.entities : []) {
    for (const m of e.missingOnTarget) rows.push([e.entity,m.id,m.name??'','missing on target','','','']);
    for (const m of e.missingOnSource) rows.push([e.entity,m.id,m.name??'','missing on source','','','']);
    for (const d of e.differing) for (const f of d.fields) rows.push([e.entity,d.id,d.name??'','differs',f.field,show(f.source),show(f.target)]);
  }
  $('drift').tBodies[0].replaceChildren(...rows.slice(0,500).map(row));
}
$('auth').addEventListener('submit',(e)=>{e.preventDefault();sessionStorage.setItem('wdToken',$('token').value);refresh();});
refresh(); setInterval(refresh, 2000);
</script></body></html>`;

/** The operator dashboard: migration progress, campaigns, configuration drift, traffic per system, backend health (SPEC §4.9). */
export function createDashboard(deps: DashboardDeps) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/' || path === '/dashboard') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'self'; script-src 'unsafe-inline' 'self'; style-src 'unsafe-inline'", 'x-frame-options': 'DENY' });
      res.end(PAGE);
      return true;
    }
    if (path !== '/v1/dashboard.json') return false;
    if (!hasOpsToken(req, deps.token)) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ faultcode: 'Server.Dispatcher.forbidden', faultstring: 'The dashboard needs Authorization: Bearer <ops token>' }));
      return true;
    }
    const moving = await deps.directory.listMoving();
    const body = JSON.stringify({
      cutovers: deps.metrics.sumBy('webdispatcher_cutovers_total', 'outcome'),
      moving: moving.map((m) => ({ i_customer: m.iCustomer, system: m.system, updated_at: m.updatedAt })),
      heldCalls: deps.holds.heldCalls(),
      traffic: deps.metrics.sumBy('webdispatcher_system_calls_total', 'system'),
      backends: deps.backends.health(),
      sessions: await deps.sessions.count(),
    });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(body);
    return true;
  };
}

/**
 * The operator console (one page, no framework): migration at a glance, campaigns with their
 * buttons, drift and reconcile findings, recent cutovers, backend health, live traffic charts
 * (uPlot, served by this listener), the last faults. It is a client of the ops API: everything it
 * shows, a script can read too.
 */
export const CONSOLE_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>WebDispatcher — operations</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/uPlot.min.css">
<style>
 body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1d2530;background:#f6f7f9}
 h1{font-size:1.3rem;margin:0 0 1rem} h2{font-size:1.05rem;margin:0 0 .5rem}
 section{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:1rem;margin:0 0 1rem}
 .grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:1rem}
 table{border-collapse:collapse;width:100%} td,th{padding:.25rem .6rem;text-align:left;border-bottom:1px solid #eef0f2;vertical-align:top}
 .ok{color:#137333}.bad{color:#b3261e}.muted{color:#6b7480} .big{font-size:1.6rem;font-weight:600}
 .bar{height:10px;background:#e4e7eb;border-radius:5px;overflow:hidden} .bar>div{height:100%;background:#1a73e8}
 .kpis{display:flex;gap:2rem;flex-wrap:wrap;margin-bottom:.75rem} button{margin-right:.25rem}
 #login{max-width:420px}
</style></head><body>
<h1>WebDispatcher — operations <span id="updated" class="muted"></span></h1>
<section id="login" hidden><h2>Sign in</h2><form id="loginForm"><label>Ops token <input id="token" name="token" type="password" autocomplete="current-password"></label> <button>Sign in</button> <span id="loginError" class="bad"></span></form></section>
<div id="view" hidden>
<section id="migration"><h2>Migration at a glance</h2>
 <div class="kpis"><div>Source holds<br><span class="big" id="srcTotal">–</span></div><div>Target holds<br><span class="big" id="tgtTotal">–</span></div><div>Moving now<br><span class="big" id="moving">0</span></div><div>Migrated<br><span class="big" id="share">–</span></div><div>Calls held<br><span class="big" id="held">0</span></div></div>
 <div class="bar"><div id="shareBar" style="width:0"></div></div>
 <p class="muted" id="dirCounts"></p>
</section>
<section><h2>Campaigns</h2><table id="campaigns"><thead><tr><th>name</th><th>state</th><th>progress</th><th>committed / failed / total</th><th>rate</th><th>ETA</th><th>failures (latest)</th><th></th></tr></thead><tbody></tbody></table></section>
<div class="grid">
<section id="driftPanel" hidden><h2>Configuration drift</h2><div id="driftSummary">No report yet.</div>
<table id="drift"><thead><tr><th>entity</th><th>id</th><th>name</th><th>difference</th><th>field</th><th>source</th><th>target</th></tr></thead><tbody></tbody></table></section>
<section id="reconcilePanel" hidden><h2>Directory reconcile</h2><div id="reconcileSummary">No report yet.</div>
<table id="reconcile"><thead><tr><th>finding</th><th>i_customer</th><th>directory</th><th>active on</th></tr></thead><tbody></tbody></table></section>
</div>
<section><h2>Backends</h2><table id="backends"><thead><tr><th>system</th><th>listener</th><th>state</th><th>latency</th><th>checked</th><th>version / last error</th></tr></thead><tbody></tbody></table>
 <p class="muted">Live sessions: <span id="sessions">0</span> · degraded logins (one system missing): <span id="degraded">0</span></p></section>
<section><h2>Live traffic (last hour)</h2><div class="grid"><div id="chartCalls"></div><div id="chartLatency"></div><div id="chartFaults"></div><div id="chartListeners"></div></div></section>
<div class="grid">
<section><h2>Recent cutovers</h2><table id="cutovers"><thead><tr><th>when</th><th>i_customer</th><th>outcome</th><th>now on</th><th>held</th></tr></thead><tbody></tbody></table></section>
<section><h2>Last faults</h2><table id="faults"><thead><tr><th>when</th><th>request id</th><th>listener</th><th>method</th><th>fault</th></tr></thead><tbody></tbody></table></section>
</div>
</div>
<script src="/assets/uPlot.iife.min.js"></script>
<script>
const $ = (id) => document.getElementById(id);
const fmt = (n) => n === undefined || n === null ? '–' : Number(n).toLocaleString('en');
const ago = (t) => { const s = Math.round((Date.now() - t) / 1000); return s < 60 ? s + ' s ago' : Math.round(s / 60) + ' min ago'; };
function row(cells, cls){const tr=document.createElement('tr');for(const c of cells){const td=document.createElement('td');if(c instanceof Node)td.append(c);else td.textContent=c===undefined||c===null?'':String(c);tr.append(td);}if(cls)tr.className=cls;return tr;}
async function api(path, init){const r=await fetch(path,{credentials:'same-origin',...init});if(r.status===401){showLogin();throw new Error('signed out');}return r;}
function showLogin(){$('view').hidden=true;$('login').hidden=false;}
$('loginForm').addEventListener('submit',async(e)=>{e.preventDefault();$('loginError').textContent='';
  const r=await fetch('/v1/console/login',{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify({token:$('token').value})});
  if(r.ok){$('token').value='';$('login').hidden=true;refresh();}else $('loginError').textContent='Wrong token';});
const charts={};
function chart(id,title,series,data){
  if(typeof uPlot==='undefined')return;
  const el=$(id);const width=Math.max(320,el.clientWidth||420);
  const key=id+':'+series.join(',');
  if(!charts[id]||charts[id].key!==key){el.replaceChildren();charts[id]={key,plot:new uPlot({title,width,height:180,series:[{},...series.map((s,i)=>({label:s,stroke:['#1a73e8','#e8711a','#137333','#b3261e','#7b1fa2','#00838f'][i%6]}))],axes:[{},{}]},data,el)};}
  else charts[id].plot.setData(data);
}
function toColumns(groups,field){const names=Object.keys(groups);const ts=[...new Set(names.flatMap(n=>groups[n].map(p=>p.t)))].sort((a,b)=>a-b);
  const cols=[ts.map(t=>t/1000)];for(const n of names){const m=new Map(groups[n].map(p=>[p.t,p[field]]));cols.push(ts.map(t=>m.has(t)?m.get(t):null));}return [names,cols];}
function campaignButtons(c){const span=document.createElement('span');
  const acts=c.state==='running'?['pause','abort']:c.state==='paused'?['resume','abort']:c.state==='created'?['start']:[];
  for(const a of acts){const b=document.createElement('button');b.textContent=a;b.dataset.action=a;b.dataset.campaign=c.name;
    b.addEventListener('click',async()=>{b.disabled=true;await api('/v1/campaigns/'+encodeURIComponent(c.name)+'/'+a,{method:'POST'}).catch(()=>{});refresh();});span.append(b);}
  return span;}
async function optionalPanel(path,panel,render){try{const r=await api(path);if(!r.ok){$(panel).hidden=true;return;}$(panel).hidden=false;render(await r.json());}catch{ $(panel).hidden=true; }}
function renderDrift(ds){const rep=ds&&ds.report;const show=(v)=>v===undefined?'(absent)':JSON.stringify(v);
  $('driftSummary').textContent=!rep?(ds&&ds.running?'Comparing…':'No report yet.'):
    rep.outcome+' at '+rep.finishedAt+' — '+rep.totals.missingOnTarget+' missing on target, '+rep.totals.missingOnSource+' missing on source, '+rep.totals.differing+' differing'
    +rep.entities.filter(e=>!e.compared).map(e=>' · '+e.entity+': '+e.error).join('')+(ds.nextRunAt?' · next run '+ds.nextRunAt:'');
  $('driftSummary').className=rep?(rep.outcome==='clean'?'ok':'bad'):'';
  const rows=[];for(const e of rep?rep.entities:[]){
    for(const m of e.missingOnTarget)rows.push([e.entity,m.id,m.name??'','missing on target','','','']);
    for(const m of e.missingOnSource)rows.push([e.entity,m.id,m.name??'','missing on source','','','']);
    for(const d of e.differing)for(const f of d.fields)rows.push([e.entity,d.id,d.name??'','differs',f.field,show(f.source),show(f.target)]);}
  $('drift').tBodies[0].replaceChildren(...rows.slice(0,500).map(r=>row(r)));}
function renderReconcile(rs){const rep=rs&&rs.report;const kinds=['misplaced','absent','unlisted','onBoth'];
  $('reconcileSummary').textContent=!rep?(rs&&rs.running?'Reconciling…':'No report yet.'):
    rep.outcome+' at '+rep.finishedAt+' — '+kinds.map(k=>rep.findings[k].count+' '+k).join(', ')+' · '+rep.counts.source+' active on source, '+rep.counts.target+' on target, '+rep.counts.directory+' entries'
    +(rep.fix?' · fixed '+rep.fixed.count+', not fixed '+rep.notFixed.count:'')+(rep.error?' · '+rep.error:'')+(rs.nextRunAt?' · next run '+rs.nextRunAt:'');
  $('reconcileSummary').className=rep?(rep.outcome==='clean'?'ok':'bad'):'';
  const rows=[];for(const k of kinds)for(const f of rep?rep.findings[k].ids:[])rows.push([k,f.iCustomer,f.directory??'(none)',f.activeOn.join(', ')||'(neither)']);
  $('reconcile').tBodies[0].replaceChildren(...rows.slice(0,500).map(r=>row(r)));}
async function refresh(){
  let d;
  try{const r=await api('/v1/console.json');if(!r.ok)return;d=await r.json();}catch{return;}
  $('login').hidden=true;$('view').hidden=false;$('updated').textContent='· updated '+new Date(d.now).toLocaleTimeString();
  const m=d.migration;$('srcTotal').textContent=fmt(m.systems.source.customers);$('tgtTotal').textContent=fmt(m.systems.target.customers);
  $('moving').textContent=fmt(d.movingCount);$('held').textContent=fmt(d.heldCalls);
  $('share').textContent=m.migratedShare===undefined?'–':(100*m.migratedShare).toFixed(1)+' %';$('shareBar').style.width=(100*(m.migratedShare??0))+'%';
  $('dirCounts').textContent=m.directory?('Directory: '+fmt(m.directory.source)+' on source, '+fmt(m.directory.target)+' on target, '+fmt(m.directory.moving)+' moving'):(m.directoryError??'');
  $('sessions').textContent=fmt(d.sessions);$('degraded').textContent=fmt(Object.values(d.degradedLogins).reduce((a,b)=>a+b,0));
  $('backends').tBodies[0].replaceChildren(...d.backends.map(b=>row([b.system,b.listener,b.up?'up':'down',b.latencyMs+' ms',ago(b.checkedAt),b.version??b.lastError??''],b.up?'ok':'bad')));
  $('cutovers').tBodies[0].replaceChildren(...d.recent.cutovers.slice(0,15).map(c=>row([ago(c.at),c.iCustomer,c.outcome,c.system,c.holdMs===null?'':c.holdMs+' ms'])));
  $('faults').tBodies[0].replaceChildren(...d.recent.faults.slice(0,15).map(f=>row([ago(f.at),f.requestId,f.listener,f.method??'',(f.faultcode??'')+' ('+f.status+')'])));
  const [sysNames,calls]=toColumns(d.traffic.system,'callsPerSecond');chart('chartCalls','calls/s per system',sysNames,calls);
  const [,p99]=toColumns(d.traffic.system,'p99Ms');chart('chartLatency','p99 ms per system',sysNames,p99);
  const [,faults]=toColumns(d.traffic.system,'faultsPerSecond');chart('chartFaults','faults/s per system',sysNames,faults);
  const [lNames,lcalls]=toColumns(d.traffic.listener,'callsPerSecond');chart('chartListeners','calls/s per listener',lNames,lcalls);
  try{const cr=await api('/v1/campaigns');const cs=cr.ok?(await cr.json()).campaigns:[];
    $('campaigns').tBodies[0].replaceChildren(...cs.map(c=>{const done=c.phase==='rollback'?c.rolledBack+c.failed:c.committed+c.failed+c.rolledBack;
      return row([c.name,c.state+(c.phase==='rollback'?' (rollback)':'')+(c.reason?': '+c.reason:'')+(c.waiting?': '+c.waiting:''),(c.total?Math.floor(100*done/c.total):100)+'%',c.committed+' / '+c.failed+' / '+c.total,c.ratePerMinute+'/min',c.eta===null?'':Math.ceil(c.eta/60)+' min',c.failures.slice(0,5).map(f=>f.i_customer+' '+f.step+': '+f.reason).join(' | '),campaignButtons(c)]);}));}catch{}
  await optionalPanel('/v1/drift','driftPanel',renderDrift);
  await optionalPanel('/v1/directory/reconcile','reconcilePanel',renderReconcile);
}
refresh(); setInterval(refresh, 2000);
</script></body></html>`;

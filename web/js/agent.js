// agent.js - the agent workspace: queues (the saved views, with counts),
// a ticket with its conversation, properties and composer, search as you
// type, and the keyboard. Everything goes through the public JSON API.
import {api, currentUser, signOut, upload, query} from './api.js';
import {signInForm} from './signin.js';
import {h, fill, $, $$, ago, when, span, notice} from './dom.js';
import {markdown, snippet} from './markdown.js';

const STATUSES = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed'];
const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
const label = (s) => (s || '').replace('_', ' ');

const state = {
  me: null,
  views: [],
  staff: null,    // agents and admins, for the assignee menu
  groups: null,
  rows: [],       // the queue on screen: ticket ids in order
  current: -1,    // the row the keyboard is on
  ticket: null,   // the ticket on screen
};

const app = () => $('#app');
// Engineers write internal notes only and change no fields (the API refuses the rest).
const mayReply = () => state.me.role !== 'engineer';
const mayEdit = () => state.me.role === 'admin' || state.me.role === 'agent';

// --- sign-in -----------------------------------------------------------------

function signInPage(message) {
  signInForm('Sign in to Champion', message, async (user) => {
    state.me = user;
    if (user.role === 'customer') location.assign('/portal');
    else await start();
  });
}

// --- the frame ---------------------------------------------------------------

function frame() {
  const search = h('input', {type: 'search', id: 'search', name: 'q', placeholder: 'Search tickets  ( / )',
    'aria-label': 'Search tickets', autocomplete: 'off'});
  let timer = null;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const q = search.value.trim();
      if (q) location.hash = `#/search/${encodeURIComponent(q)}`;
    }, 200);
  });
  fill(app(),
    h('header', {class: 'top'},
      h('a', {class: 'brand', href: '#/'}, 'Champion'),
      h('form', {role: 'search', onsubmit: (ev) => { ev.preventDefault(); search.dispatchEvent(new Event('input')); }}, search),
      h('span', {class: 'who'}, state.me.name),
      h('button', {type: 'button', id: 'signout', onclick: async () => {
        presenceLeave();
        if (state.live) state.live.close();
        state.live = null;
        await signOut();
        signInPage('Signed out.');
      }}, 'Sign out'),
      h('button', {type: 'button', class: 'link', 'aria-label': 'Keyboard shortcuts', onclick: shortcuts}, '?')),
    h('div', {class: 'frame'},
      h('nav', {class: 'views', 'aria-label': 'Queues'}, h('ul', {id: 'views'})),
      h('main', {id: 'main', tabindex: '-1'})));
}

// GETs started at boot, before knowing whether anyone is signed in, so that
// the first queue does not wait for three answers in a row; each is used
// once, and a failed one is simply asked again.
const early = new Map();

function get(path) {
  const p = early.get(path);
  early.delete(path);
  return p ? p.catch(() => api('GET', path)) : api('GET', path);
}

async function loadViews() {
  const {views} = await get('/api/v1/views');
  state.views = views;
  const here = location.hash;
  fill($('#views'), views.map((v) => h('li', {},
    h('a', {href: `#/view/${v.id}`, 'aria-current': here === `#/view/${v.id}` ? 'page' : null},
      h('span', {}, v.name), h('span', {class: 'count', 'aria-label': `${v.count} tickets`}, String(v.count))))));
}

function markView(id) {
  $$('#views a').forEach((a) => {
    if (a.getAttribute('href') === `#/view/${id}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
}

// --- queues ------------------------------------------------------------------

function slaBadge(sla) {
  if (!sla || sla.state === 'none' || !sla.due_at) return '';
  const left = (Date.parse(sla.due_at) - Date.now()) / 60000;
  const cls = left < 0 ? 'sla-over' : sla.state === 'breaching_soon' ? 'sla-soon' : 'sla-ok';
  const text = left < 0 ? `${span(left)} over` : `${span(left)} left`;
  return h('span', {class: `badge ${cls}`, title: `Due ${new Date(sla.due_at).toLocaleString()}`}, text);
}

function statusBadge(s) {
  return h('span', {class: `badge status-${s}`}, label(s));
}

function tagList(tags) {
  return h('span', {class: 'tags'}, (tags || []).map((t) => h('span', {class: 'tag'}, t)));
}

function ticketRow(t) {
  return h('tr', {dataset: {id: t.id}},
    h('td', {class: 'subject'}, h('a', {href: `#/ticket/${t.id}`}, t.subject || '(no subject)'),
      ' ', h('span', {class: 'muted'}, `#${t.id}`)),
    h('td', {}, t.requester ? t.requester.name || t.requester.email : `user ${t.requester_id}`),
    h('td', {}, statusBadge(t.status)),
    h('td', {class: 'wide'}, label(t.priority)),
    h('td', {class: 'wide'}, t.assignee_name || t.assignee || h('span', {class: 'muted'}, 'nobody')),
    h('td', {class: 'wide'}, tagList(t.tags)),
    h('td', {}, when(t.updated_at)),
    h('td', {}, slaBadge(t.sla)));
}

function ticketTable(tickets, caption) {
  return h('table', {class: 'tickets', id: 'queue'},
    h('caption', {class: 'sr-only'}, caption),
    h('thead', {}, h('tr', {},
      ['Subject', 'Requester', 'Status', 'Priority', 'Assignee', 'Tags', 'Last activity', 'SLA'].map((c, i) =>
        h('th', {scope: 'col', class: i >= 3 && i <= 5 ? 'wide' : null}, c)))),
    h('tbody', {}, tickets.map(ticketRow)));
}

function setRows() {
  state.rows = $$('#queue tbody tr').map((tr) => Number(tr.dataset.id));
  if (state.current >= state.rows.length) state.current = state.rows.length - 1;
  highlight();
}

// Marks the keyboard's row; moved by j/k, it also takes the focus (on its
// link), so that Enter opens it as any link opens.
function highlight(focus) {
  $$('#queue tbody tr').forEach((tr, i) => {
    tr.classList.toggle('current', i === state.current);
    if (i === state.current) {
      tr.setAttribute('aria-selected', 'true');
      const link = $('td.subject a', tr);
      if (focus && link) link.focus(); // focusing scrolls it into view
      else if (focus) tr.scrollIntoView({block: 'nearest'});
    } else tr.removeAttribute('aria-selected');
  });
}

async function showView(id, cursor, again) {
  const v = state.views.find((x) => x.id === id);
  const page = await get(`/api/v1/views/${id}/tickets${query({limit: 50, cursor})}`);
  if (again && location.hash !== `#/view/${id}`) return;
  const before = new Set(again ? state.rows : []);
  const keep = again && state.current >= 0 ? state.rows[state.current] : null;
  markView(id);
  const main = $('#main');
  if (!cursor) {
    state.current = page.tickets.length ? 0 : -1;
    fill(main,
      h('div', {class: 'queue-head'}, h('h1', {}, v ? v.name : page.view.name),
        h('span', {class: 'muted', id: 'queue-count'}, v ? `${v.count} tickets` : '')),
      page.tickets.length ? ticketTable(page.tickets, page.view.name) : h('p', {class: 'muted', id: 'queue-empty'}, 'Nothing here. Well done.'));
  } else {
    $('#queue tbody').append(...page.tickets.map(ticketRow));
  }
  const more = $('#more');
  if (more) more.remove();
  if (page.next_cursor) {
    main.append(h('p', {class: 'more'}, h('button', {type: 'button', id: 'more',
      onclick: () => showView(id, page.next_cursor)}, 'Load more')));
  }
  if (again) {
    $$('#queue tbody tr').forEach((tr, i) => {
      const rid = Number(tr.dataset.id);
      if (!before.has(rid)) tr.classList.add('fresh');
      if (rid === keep) state.current = i;
    });
  }
  setRows();
  if (!again) presenceLeave();
  document.title = `${v ? v.name : 'Queue'} · Champion`;
  if (!again && !cursor) mark('queue');
}

async function showSearch(q) {
  presenceLeave();
  const s = $('#search');
  if (s && document.activeElement !== s) s.value = q;
  const res = await api('GET', `/api/v1/search${query({q, limit: 25})}`);
  markView(null);
  state.current = res.results.length ? 0 : -1;
  fill($('#main'),
    h('div', {class: 'queue-head'}, h('h1', {}, 'Search'), h('span', {class: 'muted'}, `${res.results.length} found for “${q}”`)),
    res.results.length
      ? h('table', {class: 'tickets', id: 'queue'},
        h('thead', {}, h('tr', {}, ['Subject', 'Status', 'Where it matched', 'Last activity'].map((c) => h('th', {scope: 'col'}, c)))),
        h('tbody', {}, res.results.map((r) => h('tr', {dataset: {id: r.ticket.id}},
          h('td', {class: 'subject'}, h('a', {href: `#/ticket/${r.ticket.id}`}, r.ticket.subject), ' ', h('span', {class: 'muted'}, `#${r.ticket.id}`)),
          h('td', {}, statusBadge(r.ticket.status)),
          h('td', {}, snippet(r.snippet || '')),
          h('td', {}, when(r.ticket.updated_at))))))
      : h('p', {class: 'muted'}, 'No ticket matches.'));
  setRows();
  document.title = `Search · Champion`;
}

// --- a ticket ----------------------------------------------------------------

async function people() {
  if (!state.staff) {
    const [agents, admins, groups, orgs] = await Promise.all([
      api('GET', '/api/v1/users?role=agent'), api('GET', '/api/v1/users?role=admin'), api('GET', '/api/v1/groups'),
      api('GET', '/api/v1/organisations').catch(() => ({organisations: []}))]);
    state.staff = [...agents.users, ...admins.users].filter((u) => u.active).sort((a, b) => a.name.localeCompare(b.name));
    state.groups = groups.groups;
    state.orgs = new Map(orgs.organisations.map((o) => [o.id, o.name]));
  }
}

function messageView(m, t) {
  const internal = m.kind === 'internal';
  const author = m.author_id === t.requester.id ? (t.requester.name || t.requester.email)
    : (state.staff.find((u) => u.id === m.author_id) || {}).name || `${m.author_role} #${m.author_id}`;
  let text = m.body_text || '';
  let folded = null;
  const cut = m.fold && m.fold.quote_at > 0 ? m.fold.quote_at : 0;
  if (cut && cut < text.length) {
    folded = text.slice(cut);
    text = text.slice(0, cut);
  }
  const body = h('div', {class: 'body'}, text);
  const more = folded && h('details', {class: 'folded'}, h('summary', {}, 'Quoted history'), h('div', {class: 'body'}, folded));
  return h('article', {class: `msg ${internal ? 'internal' : 'public'}`, dataset: {id: m.id},
    'aria-label': `${internal ? 'Internal note' : 'Message'} from ${author}`},
    h('header', {}, h('strong', {}, author), internal ? h('span', {class: 'badge'}, 'internal note') : null,
      when(m.created_at), m.channel ? h('span', {}, `via ${m.channel}`) : null),
    body, more,
    m.attachments && m.attachments.length ? h('ul', {class: 'files'}, m.attachments.map((a) =>
      h('li', {}, h('a', {href: a.url, download: a.filename}, a.filename), ` (${Math.ceil(a.size / 1024)} KB)`))) : null);
}

function select(id, name, options, value, onchange, disabled) {
  const el = h('select', {id, name, disabled}, options.map(([v, text]) => h('option', {value: v, selected: v === value}, text)));
  el.addEventListener('change', () => onchange(el.value));
  return el;
}

async function patch(id, fields) {
  try {
    const t = await api('PATCH', `/api/v1/tickets/${id}`, fields, {'If-Match': state.etag || '*'});
    notice('Saved.');
    await showTicket(id, t);
  } catch (e) {
    notice(e.status === 412 ? 'Someone changed this ticket meanwhile; it now shows their change.' : e.message, 'error');
    await showTicket(id);
  }
}

function properties(t) {
  const staff = [['', 'Nobody'], ...state.staff.map((u) => [u.email, u.name])];
  const groups = [['', 'No group'], ...state.groups.map((g) => [g.name, g.name])];
  const tagInput = h('input', {id: 'add-tag', type: 'text', placeholder: 'Add a tag', 'aria-label': 'Add a tag', hidden: !mayEdit()});
  tagInput.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && tagInput.value.trim()) {
      ev.preventDefault();
      patch(t.id, {add_tags: [tagInput.value.trim()]});
    }
  });
  const followerInput = h('input', {id: 'add-follower', type: 'email', placeholder: 'Add a follower (email)', 'aria-label': 'Add a follower', hidden: !mayEdit()});
  followerInput.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && followerInput.value.trim()) {
      ev.preventDefault();
      patch(t.id, {add_followers: [followerInput.value.trim()]});
    }
  });
  return h('section', {'aria-labelledby': 'props-title', id: 'props'},
    h('h2', {id: 'props-title'}, 'Properties'),
    h('label', {for: 'prop-status'}, 'Status'),
    select('prop-status', 'status', STATUSES.map((s) => [s, label(s)]), t.status, (v) => patch(t.id, {status: v}), !mayEdit()),
    h('label', {for: 'prop-priority'}, 'Priority'),
    select('prop-priority', 'priority', PRIORITIES.map((p) => [p, label(p)]), t.priority, (v) => patch(t.id, {priority: v}), !mayEdit()),
    h('label', {for: 'prop-assignee'}, 'Assignee'),
    select('prop-assignee', 'assignee', staff, t.assignee || '', (v) => patch(t.id, {assignee: v || null}), !mayEdit()),
    h('label', {for: 'prop-group'}, 'Group'),
    select('prop-group', 'group', groups, t.group || '', (v) => patch(t.id, {group: v || null}), !mayEdit()),
    h('label', {for: 'add-tag'}, 'Tags'),
    h('div', {class: 'tags', id: 'ticket-tags'}, t.tags.map((tag) => h('span', {class: 'tag'}, tag,
      h('button', {type: 'button', class: 'link', 'aria-label': `Remove tag ${tag}`, onclick: () => patch(t.id, {remove_tags: [tag]})}, '×')))),
    tagInput,
    h('label', {for: 'add-follower'}, 'Followers'),
    h('ul', {class: 'tags', id: 'ticket-followers'}, t.followers.map((f) => h('li', {class: 'tag'}, f,
      h('button', {type: 'button', class: 'link', 'aria-label': `Remove follower ${f}`, onclick: () => patch(t.id, {remove_followers: [f]})}, '×')))),
    followerInput);
}

function draftKey(id, mode) {
  return `champion.draft.${state.me.id}.${id}.${mode}`;
}

function composer(t) {
  let mode = null;
  let files = [];
  const text = h('textarea', {id: 'composer-text', name: 'body', 'aria-label': 'Reply', rows: 8});
  const preview = h('div', {class: 'preview', id: 'composer-preview', hidden: true, 'aria-live': 'polite'});
  const fileList = h('ul', {class: 'files', id: 'composer-files'});
  const picker = h('input', {type: 'file', id: 'composer-pick', multiple: true, class: 'sr-only'});
  const drop = h('div', {class: 'drop'}, 'Drop files here or ', h('label', {for: 'composer-pick', class: 'link', style: null}, 'choose files'), picker);
  const after = select('composer-status', 'status', [['', 'Send'], ...STATUSES.filter((s) => s !== 'new' && s !== 'closed').map((s) => [s, `Send and set ${label(s)}`])], '', () => {});
  after.setAttribute('aria-label', 'Send, and set the status to');
  const box = h('form', {class: 'composer', id: 'composer', 'aria-label': 'Composer'});
  const modeButtons = (mayReply() ? ['reply', 'note'] : ['note']).map((m) => h('button', {type: 'button', id: `mode-${m}`, 'aria-pressed': String(m === 'reply'),
    onclick: () => setMode(m)}, m === 'reply' ? 'Public reply' : 'Internal note'));
  const previewButton = h('button', {type: 'button', id: 'composer-preview-toggle', 'aria-pressed': 'false', onclick: () => {
    const on = preview.hidden;
    preview.hidden = !on;
    text.hidden = on;
    previewButton.setAttribute('aria-pressed', String(on));
    if (on) fill(preview, markdown(text.value));
  }}, 'Preview');

  function setMode(m) {
    if (mode) save();
    mode = m;
    modeButtons.forEach((b) => b.setAttribute('aria-pressed', String(b.id === `mode-${m}`)));
    box.classList.toggle('internal', m === 'note');
    text.setAttribute('aria-label', m === 'note' ? 'Internal note' : 'Reply');
    text.value = localStorage.getItem(draftKey(t.id, m)) || '';
    after.hidden = !mayEdit();
  }
  function save() {
    const v = text.value;
    if (v.trim()) localStorage.setItem(draftKey(t.id, mode), v);
    else localStorage.removeItem(draftKey(t.id, mode));
  }
  function addFiles(list) {
    files = files.concat([...list]);
    fill(fileList, files.map((f, i) => h('li', {}, f.name, ' ', h('button', {type: 'button', class: 'link', 'aria-label': `Remove ${f.name}`,
      onclick: () => { files.splice(i, 1); addFiles([]); }}, '×'))));
  }
  text.addEventListener('input', () => {
    save();
    presenceTyping();
  });
  picker.addEventListener('change', () => { addFiles(picker.files); picker.value = ''; });
  drop.addEventListener('dragover', (ev) => { ev.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (ev) => { ev.preventDefault(); drop.classList.remove('over'); addFiles(ev.dataTransfer.files); });
  box.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = text.value;
    if (!body.trim()) {
      notice('Write something first.', 'error');
      text.focus();
      return;
    }
    const payload = {body};
    if (after.value) payload.status = after.value;
    const send = $('#composer-send');
    send.disabled = true;
    try {
      await upload('POST', `/api/v1/tickets/${t.id}/${mode === 'note' ? 'notes' : 'replies'}`, payload, files);
      localStorage.removeItem(draftKey(t.id, mode));
      notice(mode === 'note' ? 'Note added.' : 'Reply sent.');
      await showTicket(t.id);
      loadViews();
    } catch (e) {
      notice(e.message, 'error');
      send.disabled = false;
    }
  });
  fill(box,
    h('div', {class: 'modes', role: 'group', 'aria-label': 'Kind of message'}, modeButtons, previewButton),
    text, preview, drop, fileList,
    h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary', id: 'composer-send'}, 'Send'), after,
      h('span', {class: 'muted'}, 'Markdown: **bold**, *italic*, `code`, - lists')));
  box.setMode = (m) => { setMode(mayReply() ? m : 'note'); text.focus(); };
  setMode(mayReply() ? 'reply' : 'note');
  return box;
}

async function showTicket(id, fresh) {
  // The ticket and (the first time) the people it names, side by side.
  const [t] = await Promise.all([fresh || api('GET', `/api/v1/tickets/${id}`), people()]);
  state.etag = t.etag || `"${t.id}.${t.version}"`;
  state.ticket = t;
  markView(null);
  const events = h('details', {id: 'events'}, h('summary', {}, 'Events'), h('ol', {class: 'events'}));
  events.addEventListener('toggle', async () => {
    if (!events.open) return;
    const res = await api('GET', `/api/v1/tickets/${id}/events`);
    fill($('ol', events), res.events.map((e) => h('li', {}, when(e.created_at), ' ', e.kind,
      e.field ? ` ${e.field}: ${e.old ?? '∅'} → ${e.new ?? '∅'}` : '')));
  });
  const requester = t.requester || {};
  fill($('#main'),
    h('div', {class: 'ticket'},
      h('div', {},
        h('p', {}, h('a', {href: '#/', onclick: (ev) => { ev.preventDefault(); history.back(); }}, '← Back')),
        h('h1', {id: 'ticket-subject'}, t.subject || '(no subject)'),
        h('p', {class: 'muted', id: 'ticket-meta'}, `#${t.id} · `, statusBadge(t.status), ` · ${label(t.priority)} · opened `, when(t.created_at)),
        h('p', {class: 'presence', id: 'presence', role: 'status', 'aria-live': 'polite'}),
        h('div', {class: 'conversation', id: 'conversation'}, t.messages.map((m) => messageView(m, t))),
        composer(t)),
      h('aside', {class: 'side'},
        h('section', {'aria-labelledby': 'req-title'}, h('h2', {id: 'req-title'}, 'Requester'),
          h('p', {}, h('strong', {}, requester.name || ''), h('br'), requester.email || '',
            t.organisation_id && state.orgs.get(t.organisation_id) ? [h('br'), h('span', {id: 'requester-org'}, state.orgs.get(t.organisation_id))] : null),
          h('p', {id: 'requester-tickets', class: 'muted'}, '')),
        properties(t),
        h('section', {}, events))));
  document.title = `#${t.id} ${t.subject} · Champion`;
  otherTickets(t);
  if (!fresh) presenceEnter(t.id);
  showPresence();
  mark('ticket');
}

// Another's change to the ticket on screen: the conversation and the
// properties again; the composer (and what is being typed) stays.
async function refreshTicket(id) {
  const t = await api('GET', `/api/v1/tickets/${id}`);
  if (!state.ticket || state.ticket.id !== id) return;
  state.etag = t.etag;
  state.ticket = t;
  fill($('#conversation'), t.messages.map((m) => messageView(m, t)));
  $('#props').replaceWith(properties(t));
  const meta = $('#ticket-meta');
  if (meta) fill(meta, `#${t.id} · `, statusBadge(t.status), ` · ${label(t.priority)} · opened `, when(t.created_at));
}

// --- live: the stream, and who else is on the ticket ----------------------------

const PRESENCE_TTL_MS = 45000;
const presence = {ticket: 0, others: new Map(), typedAt: 0, sentTyping: 0, timer: null};

function sendPresence(id, st) {
  api('POST', `/api/v1/tickets/${id}/presence`, {state: st}).catch(() => {});
}

async function presenceEnter(id) {
  if (presence.ticket && presence.ticket !== id) sendPresence(presence.ticket, 'left');
  presence.ticket = id;
  presence.others = new Map();
  presence.typedAt = 0;
  sendPresence(id, 'viewing');
  clearInterval(presence.timer);
  presence.timer = setInterval(() => {
    if (!presence.ticket) return;
    sendPresence(presence.ticket, Date.now() - presence.typedAt < 10000 ? 'typing' : 'viewing');
    showPresence();
  }, 15000);
  try {
    const res = await api('GET', `/api/v1/tickets/${id}/presence`);
    for (const p of res.presence) if (p.user_id !== state.me.id) presence.others.set(p.user_id, {name: p.name, state: p.state, seen: Date.parse(p.at)});
  } catch (e) {
    /* shown when they next change */
  }
  showPresence();
}

function presenceLeave() {
  if (presence.ticket) sendPresence(presence.ticket, 'left');
  presence.ticket = 0;
  presence.others = new Map();
  clearInterval(presence.timer);
}

// The composer calls this as the agent types: others see "typing" within a moment.
function presenceTyping() {
  presence.typedAt = Date.now();
  if (presence.ticket && Date.now() - presence.sentTyping > 5000) {
    presence.sentTyping = Date.now();
    sendPresence(presence.ticket, 'typing');
  }
}

function showPresence() {
  const box = $('#presence');
  if (!box) return;
  const now = Date.now();
  const lines = [];
  for (const [uid, p] of presence.others) {
    if (p.state === 'left' || now - p.seen > PRESENCE_TTL_MS) presence.others.delete(uid);
    else lines.push(`${p.name} is ${p.state === 'typing' ? 'typing a reply' : 'viewing this ticket'}`);
  }
  box.textContent = lines.join(' · ');
}

let queueRefresh = null;

function onLive(kind, data) {
  if (kind === 'presence') {
    if (data.user_id === state.me.id || data.ticket_id !== presence.ticket) return;
    presence.others.set(data.user_id, {name: data.name, state: data.state, seen: Date.now()});
    showPresence();
    return;
  }
  // kind === 'ticket': counts and the queue again, at most every 300 ms.
  const onTicket = state.ticket && location.hash === `#/ticket/${data.ticket_id}`;
  if (onTicket && data.actor_id !== state.me.id) refreshTicket(data.ticket_id).catch(() => {});
  clearTimeout(queueRefresh);
  queueRefresh = setTimeout(async () => {
    await loadViews().catch(() => {});
    const m = /^#\/view\/(\d+)$/.exec(location.hash);
    if (m) await showView(Number(m[1]), undefined, true).catch(() => {});
  }, 300);
}

function live() {
  const src = new EventSource('/api/v1/stream');
  for (const kind of ['ticket', 'presence']) {
    src.addEventListener(kind, (ev) => {
      try {
        onLive(kind, JSON.parse(ev.data));
      } catch (e) {
        /* a malformed event is skipped */
      }
    });
  }
  src.addEventListener('hello', () => document.body.setAttribute('data-live', 'on'));
  src.addEventListener('error', () => document.body.setAttribute('data-live', 'off'));
  state.live = src;
}

async function otherTickets(t) {
  try {
    const res = await api('GET', `/api/v1/tickets${query({requester: t.requester.email, limit: 6})}`);
    const others = res.tickets.filter((x) => x.id !== t.id);
    const box = $('#requester-tickets');
    if (box) fill(box, others.length ? ['Other tickets: ', others.map((x, i) => [i ? ', ' : '',
      h('a', {href: `#/ticket/${x.id}`, title: x.subject}, `#${x.id}`), ` (${label(x.status)})`])] : 'No other tickets.');
  } catch (e) {
    /* the panel stays empty */
  }
}

// --- keyboard ----------------------------------------------------------------

const KEYS = [
  ['j / k', 'Next / previous ticket in the list'],
  ['Enter', 'Open the ticket'],
  ['r', 'Reply'],
  ['n', 'Internal note'],
  ['a', 'Assign to me'],
  ['s', 'Set the status'],
  ['/', 'Search'],
  ['?', 'These shortcuts'],
  ['Esc', 'Leave the field, close this'],
];

function shortcuts() {
  let d = $('#shortcuts');
  if (!d) {
    d = h('dialog', {id: 'shortcuts', 'aria-labelledby': 'shortcuts-title'},
      h('h2', {id: 'shortcuts-title'}, 'Keyboard shortcuts'),
      h('dl', {}, KEYS.map(([k, what]) => [h('dt', {}, h('kbd', {}, k)), h('dd', {}, what)])),
      h('form', {method: 'dialog'}, h('button', {type: 'submit'}, 'Close')));
    document.body.append(d);
  }
  d.showModal();
}

function onKey(ev) {
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const field = ev.target.closest && ev.target.closest('input, textarea, select, [contenteditable]');
  if (field) {
    if (ev.key === 'Escape') ev.target.blur();
    return;
  }
  const inTicket = location.hash.startsWith('#/ticket/');
  switch (ev.key) {
  case 'j':
  case 'k':
    if (!state.rows.length) return;
    state.current = Math.max(0, Math.min(state.rows.length - 1, state.current + (ev.key === 'j' ? 1 : -1)));
    highlight(true);
    break;
  case 'Enter':
    if (inTicket || state.current < 0 || ev.target.closest('a, button')) return;
    location.hash = `#/ticket/${state.rows[state.current]}`;
    break;
  case 'r':
  case 'n':
    if (!inTicket) return;
    $('#composer').setMode(ev.key === 'r' ? 'reply' : 'note');
    break;
  case 'a':
    if (!inTicket || !state.ticket || !mayEdit()) return;
    patch(state.ticket.id, {assignee: state.me.email});
    break;
  case 's':
    if (!inTicket) return;
    $('#prop-status').focus();
    break;
  case '/':
    $('#search').focus();
    $('#search').select();
    break;
  case '?':
    shortcuts();
    break;
  default:
    return;
  }
  ev.preventDefault();
}

// --- routes ------------------------------------------------------------------

// Marks for the Performance API (bench/ui.sh reads them): a route's start
// and the moment its queue or ticket is on the page.
function mark(name) {
  performance.mark(`champion:${name}`);
}

async function route() {
  const hash = location.hash || '#/';
  let m;
  mark('route');
  try {
    if ((m = /^#\/ticket\/(\d+)$/.exec(hash))) await showTicket(Number(m[1]));
    else if ((m = /^#\/view\/(\d+)$/.exec(hash))) await showView(Number(m[1]));
    else if ((m = /^#\/search\/(.+)$/.exec(hash))) await showSearch(decodeURIComponent(m[1]));
    else {
      const first = state.views.find((v) => v.count > 0) || state.views[0];
      if (first) location.replace(`#/view/${first.id}`);
      else fill($('#main'), h('p', {class: 'muted'}, 'No queues yet.'));
    }
  } catch (e) {
    if (e.status === 401) return signInPage('Your session ended; sign in again.');
    fill($('#main'), h('p', {class: 'error', role: 'alert'}, e.message));
  }
  if (!hash.startsWith('#/search/')) {
    const s = $('#search');
    if (s && document.activeElement !== s) s.value = '';
  }
}

async function start() {
  frame();
  await loadViews();
  await route();
  if (!state.live) live();
}

async function boot() {
  document.addEventListener('keydown', onKey);
  window.addEventListener('hashchange', () => { if (state.me) route(); });
  const view = /^#\/view\/(\d+)$/.exec(location.hash);
  const first = ['/api/v1/views', view && `/api/v1/views/${view[1]}/tickets${query({limit: 50})}`];
  for (const path of first.filter(Boolean)) {
    const p = api('GET', path);
    p.catch(() => {}); // not signed in: asked again after signing in
    early.set(path, p);
  }
  try {
    state.me = await currentUser();
  } catch (e) {
    fill(app(), h('p', {class: 'error', role: 'alert'}, `Cannot reach the desk: ${e.message}`));
    return;
  }
  if (!state.me) return signInPage();
  if (state.me.role === 'customer') {
    location.assign('/portal');
    return;
  }
  await start();
}

boot();

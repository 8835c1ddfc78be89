#!/usr/bin/env node
// Drive the real third-party Zendesk client `node-zendesk` against `zroster fake`, the way a
// roster tool would, and report every call that fails, throws inside the library, or answers
// something the recorded Zendesk exchanges contradict. See tests/clients/README.md.
//
//   cargo build --bin zroster
//   npm install --prefix /tmp/node-zendesk-probe node-zendesk
//   NODE_PATH=/tmp/node-zendesk-probe/node_modules node tests/clients/node_zendesk_probe.js \
//       [--zroster target/debug/zroster] [--recorded /work/shared/zendesk/recorded]
//
// Exit status: 0 every step passed, 1 a step failed or was skipped, 2 setup failed.
'use strict';

const {spawn} = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const crypto = require('node:crypto');

let zendesk;
try {
  zendesk = require('node-zendesk');
} catch (error) {
  console.error(`error: node-zendesk is not loadable (${error.message}); install it and set NODE_PATH`);
  process.exit(2);
}

const REPO = path.resolve(__dirname, '..', '..');
const EMAIL = 'admin@example.com';
const TOKEN = 'fake-token';
const OAUTH = 'fake-oauth-token';
const ACCOUNT = {bulk_imports: true, user_tagging: true, search_lag_s: 0, multiple_organizations: true};
const RUN = crypto.randomBytes(4).toString('hex');

class Skip extends Error {}
class Failure extends Error {}

function check(condition, message) {
  if (!condition) throw new Failure(message);
}

const results = {passed: [], failed: [], skipped: []};

// The last 4xx/5xx answer seen, named in a failing step's report.
let lastError = null;

async function step(name, fn) {
  lastError = null;
  try {
    const value = await fn();
    results.passed.push(name);
    console.log(`ok   ${name}`);
    return value;
  } catch (error) {
    if (error instanceof Skip) {
      results.skipped.push([name, error.message]);
      console.log(`SKIP ${name}: ${error.message}`);
    } else {
      let detail = `${error.constructor.name}: ${error.message}`;
      if (lastError) detail += ` (last error answer: ${lastError})`;
      results.failed.push([name, detail]);
      console.log(`FAIL ${name}: ${detail}`);
    }
    return undefined;
  }
}

// Values later steps need; a missing one skips the step that asks for it.
const ctx = new Proxy({}, {
  get(target, key) {
    if (target[key] === undefined || target[key] === null) throw new Skip(`needs \`${String(key)}\` from an earlier step`);
    return target[key];
  },
});
const has = (key) => {
  try {
    return ctx[key] !== undefined;
  } catch {
    return false;
  }
};

// --- the emulator --------------------------------------------------------------------------

async function startEmulator(binary, args, account) {
  const command = [binary, 'fake', '--port', '0', ...args];
  let stateFile = null;
  if (account) {
    stateFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'node-zendesk-probe-')), 'state.json');
    fs.writeFileSync(stateFile, JSON.stringify({account}));
    command.push('--state', stateFile);
  }
  const child = spawn(command[0], command.slice(1), {stdio: ['ignore', 'pipe', 'pipe']});
  const line = await new Promise((resolve, reject) => {
    const lines = readline.createInterface({input: child.stdout});
    lines.once('line', resolve);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`\`${command.join(' ')}\` exited ${code}`)));
  });
  const prefix = 'listening on ';
  if (!line.startsWith(prefix)) {
    child.kill();
    throw new Error(`\`${command.join(' ')}\` printed ${JSON.stringify(line)}`);
  }
  return {
    base: line.slice(prefix.length),
    stop() {
      child.kill('SIGTERM');
      if (stateFile) fs.rmSync(path.dirname(stateFile), {recursive: true, force: true});
    },
  };
}

// A node-zendesk client on the emulator; every exchange goes through `traffic` when given
// (the library's documented `transportConfig.transportFn` hook, wrapping its default fetch).
function clientFor(emulator, credentials, traffic) {
  const options = {
    endpointUri: `${emulator.base}/api/v2`,
    ...(credentials || {username: EMAIL, token: TOKEN}),
  };
  if (traffic) {
    const {fetch} = require('cross-fetch');
    options.transportConfig = {
      async transportFn(uri, init) {
        const response = await fetch(uri, init);
        traffic.record(init.method, uri, response);
        return response;
      },
      responseAdapter(response) {
        return {
          json: () => response.json(),
          status: response.status,
          headers: {get: (name) => response.headers.get(name)},
          statusText: response.statusText,
        };
      },
    };
  }
  return zendesk.createClient(options);
}

// node-zendesk throws `Error("Request processing failed: Zendesk Error (404): Item not found")`.
async function expectError(fn, status) {
  try {
    await fn();
  } catch (error) {
    check(error.message.includes(`(${status})`), `expected ${status}, got: ${error.message}`);
    return error;
  }
  throw new Failure(`no error, expected ${status}`);
}

// --- recordings ------------------------------------------------------------------------------

const template = (p) => p.split('?')[0].replace(/\.json$/, '').replace(/\/\d+(?=\/|$)/g, '/{id}');

class Traffic {
  // For each method and path the recordings show, a successful answer must have a status the
  // recordings show for it, with a Location header exactly when they have one.
  constructor(directory) {
    this.exchanges = [];
    this.recorded = new Map();
    if (!directory) return;
    for (const name of fs.readdirSync(directory).filter((n) => n.endsWith('.json'))) {
      const data = JSON.parse(fs.readFileSync(path.join(directory, name), 'utf8'));
      if (data.source.kind !== 'recorded') continue;
      for (const {request, response} of data.exchanges) {
        if (response.status < 200 || response.status >= 300) continue;
        const key = `${request.method} ${template(request.path)}`;
        if (!this.recorded.has(key)) this.recorded.set(key, new Set());
        this.recorded.get(key).add(`${response.status} ${'location' in response.headers}`);
      }
    }
  }

  record(method, uri, response) {
    if (response.status >= 400) lastError = `${method} ${decodeURIComponent(uri)} -> ${response.status}`;
    this.exchanges.push({
      method,
      path: new URL(uri).pathname,
      status: response.status,
      location: response.headers.has('location'),
      contentType: response.headers.get('content-type') || '',
    });
  }

  audit() {
    const problems = new Set();
    const compared = new Set();
    for (const {method, path: p, status, location, contentType} of this.exchanges) {
      const key = `${method} ${template(p)}`;
      if (status >= 200 && status < 300 && this.recorded.has(key)) {
        compared.add(key);
        if (!this.recorded.get(key).has(`${status} ${location}`)) {
          problems.add(`${key}: ${status}, Location ${location}; recorded ${[...this.recorded.get(key)].join(', ')}`);
        }
      }
      if (contentType.startsWith('application/json') && contentType.toLowerCase() !== 'application/json; charset=utf-8') {
        problems.add(`${key}: content-type ${contentType}`);
      }
    }
    check(compared.size >= 15, `only ${compared.size} recorded endpoints compared`);
    check(problems.size === 0, [...problems].sort().join('; '));
    console.log(`     ${this.exchanges.length} exchanges, ${compared.size} recorded endpoints compared`);
  }
}

// --- the steps -------------------------------------------------------------------------------

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitJob(z, job) {
  check(job && job.id && job.status, `expected a job_status, got ${JSON.stringify(job)}`);
  // the library's own poller (500 ms interval), as a tool would use it
  const done = await z.jobstatuses.watch(job.id, 200, 5);
  check(done.status === 'completed', `job ended ${done.status}: ${done.message}`);
  return done;
}

async function probeMain(emulator, traffic) {
  const z = clientFor(emulator, null, traffic);
  const email = `probe-${RUN}@example.com`;

  await step('users.me (API token)', async () => {
    const {result} = await z.users.me();
    check(result.id && result.role === 'admin', `me: ${JSON.stringify(result)}`);
    ctx.admin = result;
  });

  await step('users.me (OAuth bearer)', async () => {
    const {result} = await clientFor(emulator, {token: OAUTH, useOAuth: true}).users.me();
    check(result.email === EMAIL, `oauth me: ${result.email}`);
  });

  await step('customagentroles.show of the admin\'s system role', async () => {
    // node-zendesk unwraps only `custom_roles` (its jsonAPINames), so a single role comes
    // back wrapped in `custom_role`
    const role = (await z.customagentroles.show(ctx.admin.custom_role_id)).result.custom_role;
    check(role.name === 'Admin' && role.role_type === 4, `system role: ${JSON.stringify(role)}`);
  });

  await step('customagentroles.list / show', async () => {
    const roles = await z.customagentroles.list();
    check(Array.isArray(roles) && roles.length > 0, `roles: ${JSON.stringify(roles)}`);
    const role = (await z.customagentroles.show(roles[0].id)).result.custom_role;
    check(role.id === roles[0].id, `show: ${JSON.stringify(role)}`);
    ctx.roles = roles;
  });

  await step('customagentroles.create / update', async () => {
    // these two wrap their argument in `custom_role` themselves
    const created = (await z.customagentroles.create({
      name: `Probe ${RUN}`, description: 'probe', configuration: {ticket_access: 'within-groups'},
    })).result.custom_role;
    check(created.id && created.name === `Probe ${RUN}`, `created role: ${JSON.stringify(created)}`);
    ctx.role = created;
    const updated = (await z.customagentroles.update(created.id, {description: 'updated'})).result.custom_role;
    check(updated.description === 'updated', `updated role: ${JSON.stringify(updated)}`);
  });

  await step('userfields.list / create / update', async () => {
    const before = await z.userfields.list();
    check(Array.isArray(before), `user fields: ${JSON.stringify(before)}`);
    const {result} = await z.userfields.create({user_field: {type: 'text', title: `Desk ${RUN}`, key: `desk_${RUN}`}});
    check(result.id && result.key === `desk_${RUN}`, `field: ${JSON.stringify(result)}`);
    const updated = await z.userfields.update(result.id, {user_field: {title: 'Desk (room)'}});
    check(updated.result.title === 'Desk (room)', `updated field: ${JSON.stringify(updated.result)}`);
    ctx.field = result;
  });

  await step('users.create (agent)', async () => {
    const {result} = await z.users.create({user: {name: 'Probe Agent', email, role: 'agent', external_id: `ext-${RUN}`}});
    check(result.id && result.email === email && result.role === 'agent', `created: ${JSON.stringify(result)}`);
    ctx.user = result;
  });

  await step('users.show / update', async () => {
    const {result} = await z.users.show(ctx.user.id);
    check(result.email === email, `show: ${JSON.stringify(result)}`);
    const updated = await z.users.update(ctx.user.id, {user: {name: 'Renamed', custom_role_id: ctx.role.id}});
    check(updated.result.name === 'Renamed' && updated.result.custom_role_id === ctx.role.id,
      `update: ${JSON.stringify(updated.result)}`);
  });

  await step('users.search (query, external_id)', async () => {
    const byEmail = await z.users.search({query: `email:${email}`});
    check(byEmail.length === 1 && byEmail[0].id === ctx.user.id, `by email: ${JSON.stringify(byEmail)}`);
    const byExternal = await z.users.search({external_id: `ext-${RUN}`});
    check(byExternal.length === 1 && byExternal[0].id === ctx.user.id, `by external_id: ${JSON.stringify(byExternal)}`);
  });

  await step('users.listWithFilter (role, external_id)', async () => {
    const agents = await z.users.listWithFilter('role', 'agent');
    check(agents.some((u) => u.id === ctx.user.id) && agents.every((u) => u.role === 'agent'),
      `role=agent: ${agents.map((u) => u.role)}`);
    const byExternal = await z.users.listWithFilter('external_id', `ext-${RUN}`);
    check(byExternal.length === 1 && byExternal[0].id === ctx.user.id, `external_id: ${JSON.stringify(byExternal)}`);
  });

  await step('search.queryAll / exportResults (type:user)', async () => {
    const found = await z.search.queryAll(`type:user email:${email}`);
    check(found.length === 1 && found[0].id === ctx.user.id, `/search: ${JSON.stringify(found)}`);
    const exported = await z.search.exportResults(`email:${email}`, 'user');
    check(exported.length === 1 && exported[0].id === ctx.user.id, `/search/export: ${JSON.stringify(exported)}`);
  });

  await step('users.createOrUpdate (existing, new)', async () => {
    const existing = await z.users.createOrUpdate({user: {email, name: 'CoU'}});
    check(existing.result.id === ctx.user.id && existing.result.name === 'CoU', `existing: ${JSON.stringify(existing.result)}`);
    const fresh = await z.users.createOrUpdate({user: {email: `cou-${RUN}@example.com`, name: 'CoU New'}});
    check(fresh.result.id && fresh.result.id !== ctx.user.id, `new: ${JSON.stringify(fresh.result)}`);
    ctx.couUser = fresh.result;
  });

  await step('useridentities list / create / show / makePrimary / verify / delete', async () => {
    const list = await z.useridentities.list(ctx.user.id);
    check(list.length === 1 && list[0].value === email, `list: ${JSON.stringify(list)}`);
    const {result} = await z.useridentities.create(ctx.user.id, {identity: {type: 'email', value: `second-${RUN}@example.com`}});
    check(result.id && result.primary === false, `create: ${JSON.stringify(result)}`);
    const shown = await z.useridentities.show(ctx.user.id, result.id);
    check(shown.result.id === result.id, `show: ${JSON.stringify(shown.result)}`);
    const primary = await z.useridentities.makePrimary(ctx.user.id, result.id);
    const identities = primary.result.identities || primary.result;
    check(Array.isArray(identities) && identities[0].id === result.id, `makePrimary: ${JSON.stringify(primary.result)}`);
    await z.useridentities.makePrimary(ctx.user.id, list[0].id);
    const verified = await z.useridentities.verify(ctx.user.id, result.id);
    check(verified.result.verified === true, `verify: ${JSON.stringify(verified.result)}`);
    await z.useridentities.delete(ctx.user.id, result.id);
    const left = await z.useridentities.list(ctx.user.id);
    check(left.length === 1 && left[0].value === email, `after delete: ${JSON.stringify(left)}`);
  });

  await step('groups create / update / list / show', async () => {
    const {result} = await z.groups.create({group: {name: `Probe Group ${RUN}`}});
    check(result.id, `group: ${JSON.stringify(result)}`);
    const updated = await z.groups.update(result.id, {group: {description: 'updated'}});
    check(updated.result.description === 'updated', `update: ${JSON.stringify(updated.result)}`);
    const groups = await z.groups.list();
    check(groups.some((g) => g.id === result.id), 'new group not listed');
    const shown = await z.groups.show(result.id);
    check(shown.result.id === result.id, `show: ${JSON.stringify(shown.result)}`);
    ctx.group = result;
  });

  await step('groupmemberships create / listByUser / listByGroup / list / showByUser / makeDefault / delete', async () => {
    const {result} = await z.groupmemberships.create({group_membership: {user_id: ctx.user.id, group_id: ctx.group.id}});
    check(result.id && result.group_id === ctx.group.id, `membership: ${JSON.stringify(result)}`);
    const byUser = await z.groupmemberships.listByUser(ctx.user.id);
    check(byUser.some((m) => m.id === result.id), `by user: ${JSON.stringify(byUser)}`);
    const byGroup = await z.groupmemberships.listByGroup(ctx.group.id);
    check(byGroup.length === 1 && byGroup[0].user_id === ctx.user.id, `by group: ${JSON.stringify(byGroup)}`);
    const all = await z.groupmemberships.list();
    check(all.some((m) => m.id === result.id), 'list lacks it');
    const shown = await z.groupmemberships.showByUser(ctx.user.id, result.id);
    check(shown.result.id === result.id, `showByUser: ${JSON.stringify(shown.result)}`);
    const users = await z.users.listByGroup(ctx.group.id);
    check(users.length === 1 && users[0].id === ctx.user.id, `groups/{id}/users: ${JSON.stringify(users)}`);
    const made = await z.groupmemberships.makeDefault(ctx.user.id, result.id);
    check(made.result, `makeDefault: ${JSON.stringify(made.result)}`);
    await z.groupmemberships.delete(result.id);
    await expectError(() => z.groupmemberships.show(result.id), 404);
  });

  await step('groupmemberships bulkCreate / bulkDelete', async () => {
    const {result} = await z.groupmemberships.bulkCreate([{user_id: ctx.user.id, group_id: ctx.group.id}]);
    const done = await waitJob(z, result.job_status || result);
    const ids = done.results.map((r) => r.id);
    check(ids.length === 1, `create_many results: ${JSON.stringify(done.results)}`);
    const deleted = await z.groupmemberships.bulkDelete(ids);
    await waitJob(z, deleted.result.job_status || deleted.result);
    check((await z.groupmemberships.listByGroup(ctx.group.id)).length === 0, 'not destroyed');
  });

  await step('organizations create / createOrUpdate / update / show / search / showMany', async () => {
    const {result} = await z.organizations.create({organization: {name: `Probe Org ${RUN}`, external_id: `org-${RUN}`}});
    check(result.id, `org: ${JSON.stringify(result)}`);
    const cou = await z.organizations.createOrUpdate({organization: {external_id: `org-${RUN}`, notes: 'cou'}});
    check(cou.result.id === result.id && cou.result.notes === 'cou', `createOrUpdate: ${JSON.stringify(cou.result)}`);
    const second = await z.organizations.createOrUpdate({organization: {name: `Probe Org 2 ${RUN}`, external_id: `org2-${RUN}`}});
    check(second.result.id !== result.id, 'createOrUpdate of a new org matched the old one');
    const updated = await z.organizations.update(result.id, {organization: {details: 'updated'}});
    check(updated.result.details === 'updated', `update: ${JSON.stringify(updated.result)}`);
    const shown = await z.organizations.show(result.id);
    check(shown.result.id === result.id, `show: ${JSON.stringify(shown.result)}`);
    const found = await z.organizations.search(`org-${RUN}`);
    check(found.length === 1 && found[0].id === result.id, `search: ${JSON.stringify(found)}`);
    const many = await z.organizations.showMany([result.id, second.result.id]);
    check(many.length === 2, `showMany: ${JSON.stringify(many)}`);
    const byExternal = await z.organizations.showManyByExternalIds([`org-${RUN}`]);
    check(byExternal.length === 1 && byExternal[0].id === result.id, `showManyByExternalIds: ${JSON.stringify(byExternal)}`);
    ctx.org = result;
    ctx.org2 = second.result;
  });

  await step('organizationmemberships create / lists / showByUser / makeDefault / delete / deleteByUser', async () => {
    // create and createByUser wrap their argument in `organization_membership` themselves
    const first = await z.organizationmemberships.create({user_id: ctx.user.id, organization_id: ctx.org.id});
    check(first.result.id && first.result.default === true, `first: ${JSON.stringify(first.result)}`);
    const second = await z.organizationmemberships.createByUser(ctx.user.id, {organization_id: ctx.org2.id});
    check(second.result.id && !second.result.default, `second: ${JSON.stringify(second.result)}`);
    const byUser = await z.organizationmemberships.listByUser(ctx.user.id);
    check(byUser.length === 2, `by user: ${JSON.stringify(byUser)}`);
    const byOrg = await z.organizationmemberships.listByOrganization(ctx.org.id);
    check(byOrg.length === 1 && byOrg[0].user_id === ctx.user.id, `by org: ${JSON.stringify(byOrg)}`);
    const all = await z.organizationmemberships.list();
    check(all.some((m) => m.id === first.result.id), 'list lacks it');
    const orgs = await z.organizations.listByUser(ctx.user.id);
    check(orgs.length === 2, `users/{id}/organizations: ${JSON.stringify(orgs)}`);
    const users = await z.users.listByOrganization(ctx.org.id);
    check(users.length === 1 && users[0].id === ctx.user.id, `organizations/{id}/users: ${JSON.stringify(users)}`);
    const made = await z.organizationmemberships.makeDefault(ctx.user.id, second.result.id);
    const memberships = made.result.organization_memberships || made.result;
    check(Array.isArray(memberships) && memberships.some((m) => m.id === second.result.id && m.default),
      `makeDefault: ${JSON.stringify(made.result)}`);
    const shown = await z.organizationmemberships.showByUser(ctx.user.id, first.result.id);
    check(shown.result.id === first.result.id, `showByUser: ${JSON.stringify(shown.result)}`);
    await z.organizationmemberships.delete(first.result.id);
    await expectError(() => z.organizationmemberships.show(first.result.id), 404);
    await z.organizationmemberships.deleteByUser(ctx.user.id, second.result.id);
    check((await z.organizationmemberships.listByUser(ctx.user.id)).length === 0, 'not deleted by user');
  });

  await step('organizationmemberships createMany / deleteMany', async () => {
    const {result} = await z.organizationmemberships.createMany([{user_id: ctx.user.id, organization_id: ctx.org.id}]);
    const done = await waitJob(z, result.job_status || result);
    const ids = done.results.map((r) => r.id);
    check(ids.length === 1, `create_many results: ${JSON.stringify(done.results)}`);
    const deleted = await z.organizationmemberships.deleteMany(ids);
    await waitJob(z, deleted.result.job_status || deleted.result);
  });

  await step('organizations createMany / updateMany / bulkDelete / delete', async () => {
    const {result} = await z.organizations.createMany({organizations: [0, 1, 2].map((i) => ({name: `Bulk Org ${RUN} ${i}`}))});
    const done = await waitJob(z, result.job_status || result);
    const ids = done.results.map((r) => r.id);
    check(ids.length === 3, `create_many: ${JSON.stringify(done.results)}`);
    const updated = await z.organizations.updateMany({organizations: ids.map((id) => ({id, notes: 'bulk'}))});
    const updateJob = await waitJob(z, updated.result.job_status || updated.result);
    check(updateJob.results.every((r) => r.status === 'Updated'), `update_many: ${JSON.stringify(updateJob.results)}`);
    const deleted = await z.organizations.bulkDelete(ids);
    await waitJob(z, deleted.result.job_status || deleted.result);
    await z.organizations.delete(ctx.org2.id);
    await expectError(() => z.organizations.show(ctx.org2.id), 404);
  });

  await step('users createMany / showMany / createOrUpdateMany / updateMany / destroyMany', async () => {
    const users = [0, 1, 2].map((i) => ({name: `Bulk ${i}`, email: `bulk-${i}-${RUN}@example.com`, external_id: `bulk-${i}-${RUN}`}));
    const {result} = await z.users.createMany({users});
    const done = await waitJob(z, result.job_status || result);
    const ids = done.results.map((r) => r.id);
    check(ids.length === 3 && done.results.every((r) => r.status === 'Created'), `create_many: ${JSON.stringify(done.results)}`);
    const shown = await z.users.showMany(ids);
    const list = shown.result.users || shown.result;
    check(Array.isArray(list) && list.length === 3, `showMany: ${JSON.stringify(shown.result)}`);
    const statuses = await z.jobstatuses.showMany([result.job_status ? result.job_status.id : result.id]);
    check((statuses.result.job_statuses || statuses.result).length === 1, `job_statuses/show_many: ${JSON.stringify(statuses.result)}`);
    const cou = await z.users.createOrUpdateMany({users: [{email: `bulk-0-${RUN}@example.com`, name: 'Bulk 0 CoU'},
      {email: `bulk-new-${RUN}@example.com`, name: 'Bulk New'}]});
    const couJob = await waitJob(z, cou.result.job_status || cou.result);
    check(couJob.results.map((r) => r.status).sort().join() === 'Created,Updated', `create_or_update_many: ${JSON.stringify(couJob.results)}`);
    // users.updateMany / destroyMany take (ids, body, anything): with two arguments they send
    // the first as the body and drop the ids; the batch form is (body, null)
    const updated = await z.users.updateMany({users: ids.map((id) => ({id, notes: 'batch'}))}, null);
    const updateJob = await waitJob(z, updated.result.job_status || updated.result);
    check(updateJob.results.length === 3, `update_many: ${JSON.stringify(updateJob.results)}`);
    const byIds = await z.users.updateMany(ids.join(','), {user: {details: 'bulk'}}, null);
    await waitJob(z, byIds.result.job_status || byIds.result);
    const doomed = ids.concat(couJob.results.filter((r) => r.status === 'Created').map((r) => r.id));
    const destroyed = await z.users.destroyMany(doomed.join(','), null, null);
    await waitJob(z, destroyed.result.job_status || destroyed.result);
  });

  await step('users.list (offset pages past 100) and incremental', async () => {
    const users = Array.from({length: 100}, (_, i) => ({name: `Page ${i}`, email: `page-${i}-${RUN}@example.com`}));
    const done = await waitJob(z, (await z.users.createMany({users})).result.job_status);
    const ids = done.results.map((r) => r.id);
    const listed = (await z.users.list()).map((u) => u.id);
    check(new Set(listed).size === listed.length, 'users.list repeated a user');
    check(ids.every((id) => listed.includes(id)), 'users.list missed users past the first page');
    const incremental = (await z.users.incremental(0)).map((u) => u.id);
    check(ids.every((id) => incremental.includes(id)), 'users.incremental missed users');
    const destroyed = await z.users.destroyMany(ids.join(','), null, null);
    await waitJob(z, destroyed.result.job_status);
  });

  await step('users.delete', async () => {
    await z.users.delete(ctx.couUser.id);
    const {result} = await z.users.show(ctx.couUser.id);
    check(result.active === false, `deleted: ${JSON.stringify(result)}`);
  });

  await step('404 / 422 / 400 errors', async () => {
    await expectError(() => z.users.show(9223372036854775807n.toString()), 404);
    await expectError(() => z.users.create({user: {name: 'Dup', email}}), 422);
    await expectError(() => z.users.createMany({users: Array.from({length: 101}, (_, i) => ({name: `x${i}`}))}), 400);
  });

  await step('cleanup: customagentroles.delete, userfields.delete, groups.delete', async () => {
    await z.users.update(ctx.user.id, {user: {custom_role_id: ctx.roles[0].id}});
    await z.customagentroles.delete(ctx.role.id);
    await expectError(() => z.customagentroles.show(ctx.role.id), 404);
    await z.userfields.delete(ctx.field.id);
    await expectError(() => z.userfields.show(ctx.field.id), 404);
    await z.groups.delete(ctx.group.id);
    await expectError(() => z.groups.show(ctx.group.id), 404);
  });

  if (traffic.recorded.size > 0) {
    await step('traffic: statuses and Location as recorded', () => traffic.audit());
  }
}

async function probeCredentials(emulator) {
  await step('users.me with a wrong token answers the anonymous user', async () => {
    const {result} = await clientFor(emulator, {username: EMAIL, token: 'wrong'}).users.me();
    check(result.id === null && result.name === 'Anonymous user', `me: ${JSON.stringify(result)}`);
  });
  await step('401: groups.list with a wrong token', async () => {
    await expectError(() => clientFor(emulator, {username: EMAIL, token: 'wrong'}).groups.list(), 401);
  });
}

async function probe429(binary) {
  const emulator = await startEmulator(binary, ['--profile', 'enterprise', '--fault-429', '0.5', '--fault-seed', '1'], ACCOUNT);
  try {
    await step('429 + Retry-After surfaces as a 429 error', async () => {
      const z = clientFor(emulator);
      let seen = false;
      for (let i = 0; i < 20 && !seen; i++) {
        try {
          const {result} = await z.users.me();
          // node-zendesk returns, not throws, an Error when Retry-After is present
          if (result instanceof Error) {
            check(result.statusCode === 429, `statusCode ${result.statusCode}`);
            seen = true;
          }
        } catch (error) {
          check(error.message.includes('(429)'), error.message);
          seen = true;
        }
      }
      check(seen, 'no 429 in 20 requests');
    });
  } finally {
    emulator.stop();
  }
}

async function main() {
  const args = process.argv.slice(2);
  const option = (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : fallback;
  };
  const binary = option('--zroster', path.join(REPO, 'target', 'debug', 'zroster'));
  const recorded = option('--recorded', process.env.ZROSTER_RECORDED_DIR);
  const {version} = JSON.parse(fs.readFileSync(
    path.join(path.dirname(require.resolve('node-zendesk')), '..', 'package.json'), 'utf8'));
  console.log(`node-zendesk ${version}, emulator ${binary}`);
  let emulator;
  try {
    emulator = await startEmulator(binary, ['--profile', 'enterprise'], ACCOUNT);
  } catch (error) {
    console.error(`error: cannot start the emulator: ${error.message}`);
    return 2;
  }
  try {
    await probeMain(emulator, new Traffic(recorded));
    await probeCredentials(emulator);
  } finally {
    emulator.stop();
  }
  await probe429(binary);
  console.log(`\n${results.passed.length} passed, ${results.failed.length} failed, ${results.skipped.length} skipped`);
  for (const [name, detail] of results.failed) console.log(`  FAIL ${name}: ${detail}`);
  for (const [name, why] of results.skipped) console.log(`  SKIP ${name}: ${why}`);
  return results.failed.length || results.skipped.length ? 1 : 0;
}

main().then((code) => process.exit(code), (error) => {
  console.error(error);
  process.exit(2);
});

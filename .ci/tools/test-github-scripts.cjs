// Runs the actions/github-script steps of the GitHub pipeline examples against a fake
// GitHub (the REST calls they make, recorded and answered from each case's data), the way
// github-script runs them: an async function of `require`, `github`, `context` and `core`.
//
//   node test-github-scripts.cjs SCRIPTS.json
//
// SCRIPTS.json is `extract_scripts.py --github-script`'s output. Prints nothing and exits 0
// when every case holds; otherwise names the failed cases and exits 1.
"use strict";
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const scripts = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;

// A fake GitHub: `data` answers the list calls; every write is recorded in `calls`.
function fakeGitHub(data) {
  const calls = [];
  const record = (name, answer = {}) => async (params) => {
    calls.push({ name, params });
    if (typeof answer === "function") return answer(params);
    return { data: answer };
  };
  const github = {
    paginate: async (method, params) => (await method(params)).data,
    rest: {
      issues: {
        listComments: record("listComments", data.comments || []),
        createComment: record("createComment"),
        updateComment: record("updateComment"),
        listForRepo: record("listForRepo", data.issues || []),
        create: record("create"),
        update: record("update"),
        createLabel: record("createLabel", () => {
          if (data.labelExists) throw Object.assign(new Error("exists"), { status: 422 });
          return { data: {} };
        }),
      },
      actions: {
        listWorkflowRunArtifacts: record("listWorkflowRunArtifacts", (p) => ({
          data: { artifacts: (data.artifacts || {})[p.run_id] || [] },
        })),
        getWorkflowRun: record("getWorkflowRun", (p) => ({ data: (data.runs || {})[p.run_id] || { pull_requests: [] } })),
        listWorkflowRuns: record("listWorkflowRuns", { workflow_runs: data.workflowRuns || [] }),
      },
      repos: {
        listPullRequestsAssociatedWithCommit: record("listPullRequestsAssociatedWithCommit", data.pulls || []),
      },
    },
  };
  return { github, calls };
}

function fakeCore() {
  const core = { outputs: {}, failed: null, warnings: [], summaryText: "" };
  core.setOutput = (k, v) => (core.outputs[k] = String(v));
  core.setFailed = (m) => (core.failed = m);
  core.warning = (m) => core.warnings.push(m);
  core.summary = { addRaw: (t) => ((core.summaryText += t), core.summary), write: async () => core.summary };
  return core;
}

const context = (extra = {}) => ({
  repo: { owner: "acme", repo: "roster" },
  serverUrl: "https://github.com",
  runId: 777,
  eventName: "push",
  sha: "abcdef1234567890",
  issue: { number: 12 },
  payload: { pull_request: { head: { sha: "1234567890abcdef" } } },
  ...extra,
});

// Runs one script in a directory holding `files`, with the environment `env`.
async function runScript(file, step, { env = {}, files = {}, data = {}, ctx = {} } = {}) {
  const body = scripts[file] && scripts[file][step];
  assert.ok(body, `${file} has no github-script step "${step}"`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "github-script-"));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  const saved = { cwd: process.cwd(), env: { ...process.env } };
  process.chdir(dir);
  Object.assign(process.env, env);
  const { github, calls } = fakeGitHub(data);
  const core = fakeCore();
  try {
    await new AsyncFunction("require", "github", "context", "core", body)(require, github, context(ctx), core);
  } finally {
    process.chdir(saved.cwd);
    process.env = saved.env;
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { calls, core, writes: calls.filter((c) => !/^(list|get)/.test(c.name)) };
}

const bot = (id, body) => ({ id, body, user: { type: "Bot" } });
const cases = [];
const test = (name, fn) => cases.push({ name, fn });

// --- zplan.yml: the sticky plan comment
const comment = "Post the plan on the pull request";
test("zplan: a new plan comment carries the marker and the plan", async () => {
  const { writes, core } = await runScript("zplan.yml", comment, {
    env: { EXIT_CODE: "2" }, files: { "plan.md": "## Zendesk plan\n\n- a change\n" },
  });
  assert.equal(writes.length, 1);
  assert.equal(writes[0].name, "createComment");
  assert.equal(writes[0].params.issue_number, 12);
  assert.match(writes[0].params.body, /^<!-- zroster-plan -->\n\*\*zroster plan\*\* for 1234567: changes to review/);
  assert.match(writes[0].params.body, /## Zendesk plan\n\n- a change/);
  assert.equal(core.failed, null);
});
test("zplan: the comment is updated in place, others' comments left alone", async () => {
  const { writes } = await runScript("zplan.yml", comment, {
    env: { EXIT_CODE: "0" }, files: { "plan.md": "## Zendesk plan\n" },
    data: { comments: [{ id: 1, body: "<!-- zroster-plan --> quoted by a person", user: { type: "User" } }, bot(2, "hello"), bot(3, "<!-- zroster-plan -->\nold")] },
  });
  assert.deepEqual(writes.map((w) => [w.name, w.params.comment_id]), [["updateComment", 3]]);
  assert.match(writes[0].params.body, /no changes/);
});
test("zplan: errors and refusals are posted too, a missing plan says where to look", async () => {
  for (const [code, text] of [["1", /errors or conflicts/], ["3", /refused by a safety rule/], ["101", /zplan failed\*\* \(exit code 101\)/]]) {
    const { writes } = await runScript("zplan.yml", comment, { env: { EXIT_CODE: code }, files: { "plan.md": "" } });
    assert.equal(writes.length, 1);
    assert.match(writes[0].params.body, text);
    assert.match(writes[0].params.body, /zplan wrote no plan; the reason is in \[the job log\]\(https:\/\/github.com\/acme\/roster\/actions\/runs\/777\)/);
  }
});
test("zplan: a huge plan is cut below GitHub's limit", async () => {
  const { writes } = await runScript("zplan.yml", comment, {
    env: { EXIT_CODE: "2" }, files: { "plan.md": "x".repeat(70000) },
  });
  assert.ok(writes[0].params.body.length <= 65536, `${writes[0].params.body.length} characters`);
  assert.match(writes[0].params.body, /cut: the whole plan is in/);
});

// --- zapply.yml: which plan to apply
const find = "Find the plan to apply";
const merged = { number: 12, merged_at: "2026-11-30T00:00:00Z", base: { ref: "main" }, head: { sha: "1234567890abcdef" } };
const planArtifact = { name: "zroster-plan", expired: false };
test("zapply: a push applies the merged pull request's last plan", async () => {
  const { core, calls } = await runScript("zapply.yml", find, {
    data: {
      pulls: [merged],
      workflowRuns: [
        { id: 50, run_number: 5, status: "completed", conclusion: "success" },
        { id: 60, run_number: 6, status: "completed", conclusion: "success" },
      ],
      artifacts: { 50: [planArtifact], 60: [planArtifact] },
    },
  });
  assert.deepEqual(core.outputs, { pr: "12", mode: "apply", run_id: "60" });
  const runs = calls.find((c) => c.name === "listWorkflowRuns").params;
  assert.equal(runs.workflow_id, "zplan.yml");
  assert.equal(runs.head_sha, merged.head.sha);
});
test("zapply: a push without a reviewed plan plans again", async () => {
  const cases = [
    [{ pulls: [] }, /without a pull request/],
    [{ pulls: [merged], workflowRuns: [] }, /never planned/],
    [{ pulls: [merged], workflowRuns: [{ id: 60, run_number: 6, status: "in_progress" }] }, /had not finished/],
    [{ pulls: [merged], workflowRuns: [{ id: 60, run_number: 6, status: "completed", conclusion: "failure" }], artifacts: {} }, /cannot be applied, or has expired/],
    [{ pulls: [merged], workflowRuns: [{ id: 60, run_number: 6, status: "completed", conclusion: "success" }], artifacts: { 60: [{ name: "zroster-plan", expired: true }] } }, /cannot be applied, or has expired/],
    [{ pulls: [{ ...merged, merged_at: null }] }, /without a pull request/],
  ];
  for (const [data, reason] of cases) {
    const { core } = await runScript("zapply.yml", find, { data });
    assert.equal(core.outputs.mode, "replan");
    assert.match(core.outputs.reason, reason);
    assert.equal(core.failed, null);
  }
});
test("zapply: a dispatch applies or resumes the run it names", async () => {
  const dispatch = { eventName: "workflow_dispatch" };
  let { core } = await runScript("zapply.yml", find, {
    env: { ACTION: "resume", RUN_ID: "90" }, ctx: dispatch,
    data: { artifacts: { 90: [{ name: "zroster-apply", expired: false }] } },
  });
  assert.deepEqual(core.outputs, { mode: "resume", run_id: "90", pr: "" });
  ({ core } = await runScript("zapply.yml", find, {
    env: { ACTION: "apply", RUN_ID: "91" }, ctx: dispatch,
    data: { artifacts: { 91: [planArtifact] }, runs: { 91: { pull_requests: [{ number: 4 }] } } },
  }));
  assert.deepEqual(core.outputs, { mode: "apply", run_id: "91", pr: "4" });
  ({ core } = await runScript("zapply.yml", find, {
    env: { ACTION: "apply", RUN_ID: "92" }, ctx: dispatch, data: { artifacts: {} },
  }));
  assert.match(core.failed, /run 92 has no artifact zroster-plan/);
  ({ core } = await runScript("zapply.yml", find, { env: { ACTION: "apply", RUN_ID: "12; x" }, ctx: dispatch }));
  assert.match(core.failed, /is not a run id/);
});

// --- zapply.yml: the outcome
const report = "Report";
test("zapply: an apply that leaves nothing passes and says so on the pull request", async () => {
  const { core, writes } = await runScript("zapply.yml", report, {
    env: { MODE: "apply", REASON: "", PR: "12", APPLIED: "0", LEFT: "0" }, files: { "apply.md": "Applied 3 changes" },
  });
  assert.equal(core.failed, null);
  assert.equal(writes[0].name, "createComment");
  assert.match(writes[0].params.body, /^<!-- zroster-apply -->/);
  assert.match(writes[0].params.body, /Applied 3 changes[\s\S]*Zendesk now matches main/);
  assert.match(core.summaryText, /zapply \(apply\): applied/);
});
test("zapply: a refused plan fails and asks to apply the new plan of this run", async () => {
  const { core, writes } = await runScript("zapply.yml", report, {
    env: { MODE: "apply", REASON: "", PR: "12", APPLIED: "3", LEFT: "2" },
    files: { "apply.md": "refused: stale", "plan.md": "## Zendesk plan\n- left" },
    data: { comments: [bot(8, "<!-- zroster-apply -->\nold")] },
  });
  assert.match(core.failed, /does not match main/);
  assert.equal(writes[0].name, "updateComment");
  assert.match(writes[0].params.body, /\*\*refused\*\*/);
  assert.match(writes[0].params.body, /action `apply`, run id `777`[\s\S]*## Zendesk plan\n- left/);
});
test("zapply: a stopped apply asks for a resume; no pull request, no comment", async () => {
  const { core, writes } = await runScript("zapply.yml", report, {
    env: { MODE: "apply", REASON: "", PR: "", APPLIED: "130", LEFT: "" }, files: { "apply.md": "stopped" },
  });
  assert.match(core.failed, /does not match main/);
  assert.equal(writes.length, 0);
  assert.match(core.summaryText, /action `resume`, run id `777`/);
});
test("zapply: a push with nothing to apply passes when main matches, fails when it does not", async () => {
  let { core } = await runScript("zapply.yml", report, {
    env: { MODE: "replan", REASON: "no pull request", PR: "", APPLIED: "", LEFT: "0" },
  });
  assert.equal(core.failed, null);
  assert.match(core.summaryText, /Nothing was applied: no pull request/);
  ({ core } = await runScript("zapply.yml", report, {
    env: { MODE: "replan", REASON: "no pull request", PR: "", APPLIED: "", LEFT: "2" }, files: { "plan.md": "p" },
  }));
  assert.match(core.failed, /does not match main/);
});

// --- zdrift.yml: one drift issue
const drift = "Open, update or close the drift issue";
const driftIssue = { number: 5, body: "<!-- zroster-drift -->\nold" };
test("zdrift: drift opens one labelled issue", async () => {
  const { core, writes } = await runScript("zdrift.yml", drift, { env: { EXIT_CODE: "2" }, files: { "plan.md": "## Zendesk plan" } });
  assert.deepEqual(writes.map((w) => w.name), ["createLabel", "create"]);
  assert.deepEqual(writes[1].params.labels, ["zroster-drift"]);
  assert.match(writes[1].params.body, /^<!-- zroster-drift -->\nZendesk differs from main[\s\S]*## Zendesk plan/);
  assert.equal(core.failed, null);
});
test("zdrift: drift updates the open issue; an existing label is fine", async () => {
  const { writes } = await runScript("zdrift.yml", drift, {
    env: { EXIT_CODE: "2" }, files: { "plan.md": "new" }, data: { issues: [driftIssue], labelExists: true },
  });
  assert.deepEqual(writes.map((w) => [w.name, w.params.issue_number]), [["update", 5]]);
  assert.match(writes[0].params.body, /new/);
  const again = await runScript("zdrift.yml", drift, {
    env: { EXIT_CODE: "2" }, files: { "plan.md": "new" }, data: { labelExists: true },
  });
  assert.deepEqual(again.writes.map((w) => w.name), ["createLabel", "create"]);
});
test("zdrift: a clean account closes the issue; errors fail the run", async () => {
  const { writes } = await runScript("zdrift.yml", drift, {
    env: { EXIT_CODE: "0" }, data: { issues: [driftIssue, { number: 6, body: "someone else's", labels: [] }] },
  });
  assert.deepEqual(writes.map((w) => [w.name, w.params.issue_number]), [["createComment", 5], ["update", 5]]);
  assert.equal(writes[1].params.state, "closed");
  const { core } = await runScript("zdrift.yml", drift, { env: { EXIT_CODE: "1" }, files: { "plan.md": "errors" } });
  assert.match(core.failed, /errors or conflicts/);
});

(async () => {
  let failed = 0;
  for (const { name, fn } of cases) {
    try {
      await fn();
    } catch (error) {
      failed += 1;
      console.error(`FAIL ${name}\n${error.stack}`);
    }
  }
  const expected = ["zplan.yml", "zapply.yml", "zdrift.yml"].flatMap((f) => Object.keys(scripts[f] || {}).map((s) => `${f}: ${s}`));
  if (expected.length !== 4) {
    console.error(`expected 4 github-script steps, found: ${expected.join(", ")}`);
    failed += 1;
  }
  console.log(`${cases.length - failed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
})();

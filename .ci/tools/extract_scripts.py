"""Writes the shell scripts of the pipeline files as files, for shellcheck.

    python extract_scripts.py OUT_DIR FILE...
    python extract_scripts.py --github-script OUT.json FILE...

GitHub workflows and action.yml: every `run:` of a step whose shell is bash (the default
on Linux runners), with each `${{ … }}` expression replaced by a word, as GitHub runs it
(`bash -e -o pipefail`). GitLab CI: each job's `before_script` and `script` as one sh
script (GitLab runs them in one shell), `extends` followed. Prints how many scripts it
wrote; exits 1 when a file yields none, since a file the checks cannot see into must not
pass as checked.
"""

import json
import pathlib
import re
import sys

from ruamel.yaml import YAML

EXPRESSION = re.compile(r"\$\{\{.*?\}\}", re.S)


def github_scripts(document):
    jobs = document.get("jobs") or {}
    steps = [(name, job.get("steps") or []) for name, job in jobs.items()]
    if "runs" in document:  # a composite action
        steps.append(("action", document["runs"].get("steps") or []))
    for job, job_steps in steps:
        for index, step in enumerate(job_steps):
            if "run" not in step or step.get("shell", "bash") != "bash":
                continue
            body = EXPRESSION.sub("GITHUB_EXPRESSION", step["run"])
            yield f"{job}-{index}", "#!/usr/bin/env bash\nset -eo pipefail\n" + body


def gitlab_scripts(document):
    def resolved(name):
        job = dict(document.get(name) or {})
        parents = job.pop("extends", [])
        for parent in [parents] if isinstance(parents, str) else parents:
            merged = resolved(parent)
            merged.update(job)
            job = merged
        return job

    for name, job in document.items():
        if name.startswith(".") or not isinstance(job, dict) or "script" not in job:
            continue
        job = resolved(name)
        lines = list(job.get("before_script") or []) + list(job.get("script") or [])
        yield name, "#!/bin/sh\nset -e\n" + "\n".join(lines) + "\n"


def github_script_bodies(document):
    """The `script` of each actions/github-script step, by step name."""
    for job in (document.get("jobs") or {}).values():
        for step in job.get("steps") or []:
            if str(step.get("uses", "")).startswith("actions/github-script@"):
                yield step["name"], step["with"]["script"]


def main():
    if sys.argv[1] == "--github-script":
        # python extract_scripts.py --github-script OUT.json FILE...: the scripts as JSON,
        # {file: {step name: script}}, for test-github-scripts.cjs.
        yaml = YAML(typ="safe")
        scripts = {
            pathlib.Path(file).name: dict(github_script_bodies(yaml.load(pathlib.Path(file).read_text())))
            for file in sys.argv[3:]
        }
        pathlib.Path(sys.argv[2]).write_text(json.dumps(scripts))
        return
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    yaml = YAML(typ="safe")
    total = 0
    for file in sys.argv[2:]:
        path = pathlib.Path(file)
        document = yaml.load(path.read_text())
        scripts = gitlab_scripts(document) if path.name == ".gitlab-ci.yml" else github_scripts(document)
        count = 0
        for name, text in scripts:
            stem = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{path}-{name}".lstrip("./"))
            (out / f"{stem}.sh").write_text(text)
            count += 1
        if count == 0:
            print(f"{file}: no shell scripts found", file=sys.stderr)
            sys.exit(1)
        total += count
    print(total)


if __name__ == "__main__":
    main()

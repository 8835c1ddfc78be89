"""Checks that the release pieces agree with each other and with what `dist` builds.

    python check_release.py DIST_PLAN_JSON

- `dist` builds archives for the seven required targets, each with zroster, zplan, zapply.
- [package.metadata.binstall] in Cargo.toml, rendered for every target, names the archive
  `dist` uploads and, inside it, where each binary is (`dist` puts a `<name>-<target>/`
  directory at the root of a `.tar.xz`, nothing at the root of a `.zip`).
- The action's install script asks only for archives `dist` builds; so does the container
  image's workflow, for each platform the image is built for.
- The action's default version, the `uses: zroster/zroster@v…` of the examples, GitLab's
  ZROSTER_VERSION and the pre-commit example's `rev:` are the crate's version.
"""

import json
import pathlib
import re
import sys
import tomllib

from ruamel.yaml import YAML

ROOT = pathlib.Path(__file__).resolve().parents[2]
REQUIRED_TARGETS = {
    "x86_64-unknown-linux-gnu",
    "aarch64-unknown-linux-gnu",
    "x86_64-unknown-linux-musl",
    "aarch64-unknown-linux-musl",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
    "x86_64-pc-windows-msvc",
}
BINARIES = {"zroster", "zplan", "zapply"}
SUFFIX = {"txz": ".tar.xz", "zip": ".zip", "tgz": ".tar.gz"}

errors = []


def check(condition, message):
    if not condition:
        errors.append(message)


def render(template, values):
    def one(match):
        key = match.group(1).strip()
        check(key in values, f"binstall template `{template}` uses `{key}`, which this check does not know")
        return values.get(key, "")

    return re.sub(r"\{([^}]*)\}", one, template)


def main():
    manifest = tomllib.loads((ROOT / "Cargo.toml").read_text())
    package = manifest["package"]
    version = package["version"]
    name = package["name"]
    repo = package["repository"]
    binstall = package["metadata"]["binstall"]
    plan = json.loads(pathlib.Path(sys.argv[1]).read_text())

    archives = {}
    for artifact in plan["artifacts"].values():
        if artifact.get("kind") != "executable-zip":
            continue
        (target,) = artifact["target_triples"]
        archives[target] = artifact
    check(set(archives) == REQUIRED_TARGETS,
          f"dist builds archives for {sorted(archives)}, not for {sorted(REQUIRED_TARGETS)}")

    for target, artifact in sorted(archives.items()):
        settings = dict(binstall)
        settings.pop("overrides", None)
        settings.update(binstall.get("overrides", {}).get(target, {}))
        suffix = SUFFIX.get(settings["pkg-fmt"])
        check(artifact["name"].endswith(suffix or "?"),
              f"{target}: binstall's pkg-fmt `{settings['pkg-fmt']}` does not match {artifact['name']}")
        exe = ".exe" if "windows" in target else ""
        values = {"repo": repo, "version": version, "name": name, "target": target,
                  "archive-suffix": suffix or "", "binary-ext": exe}
        url = render(settings["pkg-url"], values)
        expected = f"{repo}/releases/download/v{version}/{artifact['name']}"
        check(url == expected, f"{target}: binstall fetches {url}, dist uploads {expected}")
        root = "" if artifact["name"].endswith(".zip") else artifact["name"].removesuffix(".tar.xz") + "/"
        executables = {a["name"]: a["path"] for a in artifact["assets"] if a["kind"] == "executable"}
        check(set(executables) == BINARIES, f"{target}: the archive holds {sorted(executables)}")
        for binary, path in executables.items():
            where = render(settings["bin-dir"], dict(values, bin=binary))
            check(where == root + path,
                  f"{target}: binstall looks for {where}, the archive has {root + path}")

    install = (ROOT / ".github/action/install.sh").read_text()
    asked = set(re.findall(r"target=([a-z0-9_-]+)", install))
    check(asked and asked <= set(archives),
          f"the action's install script asks for {sorted(asked)}; dist builds {sorted(archives)}")

    image = (ROOT / ".github/workflows/publish-image.yml").read_text()
    downloaded = set(re.findall(r"'zroster-([a-z0-9_-]+)\.tar\.xz'", image))
    names = {artifact["name"] for artifact in archives.values()}
    check(len(downloaded) == 2 and {f"zroster-{t}.tar.xz" for t in downloaded} <= names,
          f"publish-image.yml downloads the archives of {sorted(downloaded)}; dist builds {sorted(names)}")
    platforms = re.search(r"--platform (\S+)", image)
    check(platforms and platforms.group(1) == "linux/amd64,linux/arm64",
          f"publish-image.yml builds for {platforms and platforms.group(1)}, not linux/amd64,linux/arm64")

    default = YAML(typ="safe").load((ROOT / "action.yml").read_text())["inputs"]["version"]["default"]
    check(default == version, f"action.yml's default version is {default}, the crate's is {version}")
    for path in sorted((ROOT / "examples").rglob("*.yml")):
        for used in re.findall(r"uses: zroster/zroster@(\S+)", path.read_text()):
            check(used == f"v{version}", f"{path.relative_to(ROOT)} uses zroster/zroster@{used}, not v{version}")
    gitlab = (ROOT / "examples/gitlab/.gitlab-ci.yml").read_text()
    pinned = re.search(r'ZROSTER_VERSION: "([^"]+)"', gitlab)
    check(pinned and pinned.group(1) == version,
          f".gitlab-ci.yml pins ZROSTER_VERSION {pinned and pinned.group(1)}, the crate is {version}")
    hooks = (ROOT / ".pre-commit-hooks.yaml").read_text()
    rev = re.search(r"rev: (\S+)", hooks)
    check(rev and rev.group(1) == f"v{version}", f".pre-commit-hooks.yaml's example uses rev {rev and rev.group(1)}")

    if errors:
        for error in errors:
            print(f"error: {error}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

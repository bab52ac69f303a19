//! The site layer as users get it (DESIGN §4a): `mhac build --target site`
//! writes the files the app servers run, and the same files, byte for byte,
//! are in the user data of both templates.
//!
//! * the bundle of every example passes `site/tests/run` (shellcheck,
//!   `php -l`, `config.php` executed by PHP, `nginx -t`, `php-fpm -t`,
//!   `cloud-init schema` on the user data), and so do the templates
//!   rendered with the value sets `site/tests/run` carries;
//! * the archive in the CloudFormation template's user data and the one in
//!   the Terraform configuration unpack to exactly the files
//!   `--target site` writes.
//!
//! A real Moodle on these files is `scripts/moodle-site`, which
//! `scripts/test` runs when a Moodle tree is at hand (site/README.md).

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Examples with a `site` block.
fn site_examples() -> Vec<std::path::PathBuf> {
    support::examples()
        .into_iter()
        .filter(|path| std::fs::read_to_string(path).is_ok_and(|text| text.lines().any(|l| l.starts_with("site {"))))
        .collect()
}

fn build(source: &Path, target: &str, out: &Path) {
    let output = support::mhac()
        .args(["build", &source.to_string_lossy(), "--target", target, "-o", &out.to_string_lossy()])
        .output()
        .expect("mhac runs");
    assert!(
        output.status.success(),
        "mhac build {source:?} --target {target}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Every file under a directory: path relative to it, and contents.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).expect("a readable directory") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let rel = path.strip_prefix(base).expect("under base").to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&path).expect("a readable file"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn every_example_with_a_site_has_one() {
    let names: Vec<String> = site_examples().iter().map(|p| support::file_name(p)).collect();
    assert!(names.len() >= 3, "examples with a site: {names:?}");
}

#[test]
#[cfg_attr(
    not(all(tool_php, tool_shellcheck)),
    ignore = "needs php and shellcheck (scripts/test installs them with apt-get)"
)]
fn the_examples_site_bundles_pass_the_site_checks() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut bundles = Vec::new();
    for source in site_examples() {
        let out = dir.path().join(support::file_name(&source).trim_end_matches(".mha"));
        build(&source, "site", &out);
        bundles.push(out.to_string_lossy().into_owned());
    }
    let output = Command::new("python3")
        .arg(support::root().join("site/tests/run"))
        .args(&bundles)
        .output()
        .expect("python3 runs");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "site/tests/run:\n{report}{}", String::from_utf8_lossy(&output.stderr));
    assert!(report.contains("php -l config.php") && report.contains("config.php runs"), "{report}");
}

/// The environment file the user data writes is what `sh` reads: every
/// value comes back as written (the machine layer and setup.sh source it).
#[test]
fn the_environment_file_reads_back_in_sh() {
    let dir = tempfile::tempdir().expect("a temp dir");
    for source in site_examples() {
        let out = dir.path().join(support::file_name(&source).trim_end_matches(".mha"));
        build(&source, "site", &out);
        let user_data = std::fs::read_to_string(out.join("user-data.yaml")).expect("user-data.yaml");
        let body: Vec<&str> = user_data
            .lines()
            .skip_while(|line| !line.trim_start().starts_with("content: |"))
            .skip(1)
            .take_while(|line| line.starts_with("      "))
            .map(|line| &line[6..])
            .collect();
        assert!(body.len() > 8, "{user_data}");
        let env = out.join("site.env");
        std::fs::write(&env, body.join("\n") + "\n").expect("written");
        let code = std::fs::read_to_string(&source)
            .expect("the source")
            .lines()
            .find_map(|line| {
                line.trim().strip_prefix("code        = \"").map(|rest| rest.trim_end_matches('"').to_string())
            })
            .expect("a code line");
        let output = Command::new("sh")
            .args(["-c", ". \"$1\" && printf '%s|%s' \"$MHAC_CODE_URL\" \"$MHAC_DB_HOST\"", "sh"])
            .arg(&env)
            .output()
            .expect("sh runs");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let read = String::from_utf8_lossy(&output.stdout).into_owned();
        assert_eq!(read.split('|').next(), Some(code.as_str()), "{}", body.join("\n"));
        assert!(read.ends_with("|<address of database moodle_db>"), "{read}");
    }
}

#[test]
#[cfg_attr(
    not(all(tool_php, tool_shellcheck)),
    ignore = "needs php and shellcheck (scripts/test installs them with apt-get)"
)]
fn the_site_templates_pass_the_site_checks() {
    let output = Command::new("python3").arg(support::root().join("site/tests/run")).output().expect("python3 runs");
    assert!(
        output.status.success(),
        "site/tests/run:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Unpack the bundle a template carries into `dest`: its SSM parameters'
/// values in the order the user data's `MHAC_SITE_PARTS` names them,
/// checked against the user data's `MHAC_SITE_SHA256`. `template` is a
/// CloudFormation JSON file or a Terraform directory.
fn unpack_template_bundle(template: &Path, dest: &Path) {
    let script = r#"
import base64, glob, hashlib, io, json, os, re, sys, tarfile
path, dest = sys.argv[1], sys.argv[2]
if os.path.isdir(path):
    text = "".join(open(f).read() for f in sorted(glob.glob(os.path.join(path, "*.tf"))))
    pieces = {m.group(1): m.group(2) for m in re.finditer(
        r'resource "aws_ssm_parameter" "[a-z0-9_]+" \{[^}]*?\n\s*name\s*= "([^"]+)"[^}]*?\n\s*value\s*= "([A-Za-z0-9+/=]+)"', text)}
else:
    template = json.load(open(path))
    text = json.dumps(template)
    pieces = {r["Properties"]["Name"]: r["Properties"]["Value"]
              for r in template["Resources"].values() if r["Type"] == "AWS::SSM::Parameter"}
    text = text.replace("\\n", "\n")
parts = re.findall(r"MHAC_SITE_PARTS='([^']*)'", text)
sha = re.findall(r"MHAC_SITE_SHA256='([0-9a-f]{64})'", text)
assert len(set(parts)) == 1 and len(set(sha)) == 1, (parts, sha)
names = parts[0].split()
assert sorted(names) == sorted(pieces), f"the user data names {names}, the template holds {sorted(pieces)}"
archive = base64.b64decode("".join(pieces[n] for n in names))
assert hashlib.sha256(archive).hexdigest() == sha[0], "the bundle's SHA-256 is not the user data's"
kw = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz").extractall(dest, **kw)
"#;
    let output = Command::new("python3")
        .args(["-c", script, &template.to_string_lossy(), &dest.to_string_lossy()])
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "unpacking the bundle of {}: {}",
        template.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn both_templates_carry_exactly_the_files_target_site_writes() {
    let dir = tempfile::tempdir().expect("a temp dir");
    for source in site_examples() {
        let name = support::file_name(&source).trim_end_matches(".mha").to_string();
        let site = dir.path().join(format!("{name}-site"));
        build(&source, "site", &site);
        let mut want = tree(&site);
        want.remove("values.json");
        want.remove("user-data.yaml");
        assert!(want.contains_key("setup.sh") && want.contains_key("config.php"), "{name}: {:?}", want.keys());

        let cfn = dir.path().join(format!("{name}.json"));
        build(&source, "cloudformation", &cfn);
        let tf = dir.path().join(format!("{name}-tf"));
        build(&source, "terraform", &tf);
        let tf_main = std::fs::read_dir(&tf)
            .expect("terraform output")
            .map(|e| e.expect("entry").path())
            .find(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains("#cloud-config")))
            .expect("a .tf file with the user data");
        // The same deploy-time values, but for the two CloudFormation signals.
        let env_names = |path: &Path| -> Vec<String> {
            let text = std::fs::read_to_string(path).expect("a readable template").replace("\\n", "\n");
            let mut names: Vec<String> = text
                .lines()
                .filter_map(|line| line.trim().split_once('=').map(|(name, _)| name.to_string()))
                .filter(|name| {
                    name.starts_with("MHAC_")
                        && name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                })
                .collect();
            names.dedup();
            names
        };
        let mut cfn_env = env_names(&cfn);
        let tf_env = env_names(&tf_main);
        assert!(
            tf_env.contains(&"MHAC_DB_HOST".to_string()) && tf_env.contains(&"MHAC_CODE_SHA256".to_string()),
            "{name}: {tf_env:?}"
        );
        cfn_env.retain(|n| n != "MHAC_CFN_STACK" && n != "MHAC_CFN_RESOURCE");
        assert_eq!(cfn_env, tf_env, "{name}: the deploy-time values of the two templates");
        for (printer, template) in [("cloudformation", cfn.clone()), ("terraform", tf.clone())] {
            let unpacked = dir.path().join(format!("{name}-{printer}-bundle"));
            unpack_template_bundle(&template, &unpacked);
            let got = tree(&unpacked);
            assert_eq!(
                got.keys().collect::<Vec<_>>(),
                want.keys().collect::<Vec<_>>(),
                "{name}: the {printer} bundle's files"
            );
            for (path, bytes) in &want {
                assert!(got[path] == *bytes, "{name}: {path} in the {printer} template differs from --target site's");
            }
        }
    }
}

/// The boot script as the user data carries it, run for real: it reads the
/// bundle's pieces (from a stand-in for `aws ssm get-parameter` serving the
/// CloudFormation template's parameters), checks the SHA-256, unpacks the
/// files `--target site` writes and runs the machine layer; a piece that
/// changed is refused.
#[test]
fn the_boot_script_reads_checks_and_unpacks_the_bundle() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let source = support::root().join("examples/moodle.mha");
    let site = dir.path().join("site");
    build(&source, "site", &site);
    let cfn = dir.path().join("moodle.json");
    build(&source, "cloudformation", &cfn);
    let script = r##"
import json, os, re, subprocess, sys
site, cfn, work = sys.argv[1:4]
user_data = open(os.path.join(site, "user-data.yaml")).read()
def block(path):
    m = re.search(r"  - path: " + re.escape(path) + r"\n(?:    .*\n)*?    content: \|\n((?:      .*\n|\n)*)", user_data)
    assert m, path
    return "".join(line[6:] + "\n" if line else "\n" for line in m.group(1).rstrip("\n").split("\n"))
env, boot = os.path.join(work, "site.env"), os.path.join(work, "boot.sh")
open(env, "w").write(block("/etc/mhac/site.env"))
open(boot, "w").write(block("/opt/mhac/boot.sh"))
pieces = os.path.join(work, "pieces")
os.makedirs(pieces)
for r in json.load(open(cfn))["Resources"].values():
    if r["Type"] == "AWS::SSM::Parameter":
        open(os.path.join(pieces, r["Properties"]["Name"].replace("/", "_")), "w").write(r["Properties"]["Value"])
aws = os.path.join(work, "aws")
open(aws, "w").write("#!/bin/sh\nwhile [ $# -gt 0 ]; do [ \"$1\" = --name ] && name=$2; shift; done\n"
                     "f=\"" + pieces + "/$(printf %s \"$name\" | tr / _)\"\n[ -f \"$f\" ] && cat \"$f\" && echo\n")
os.chmod(aws, 0o755)
machine = os.path.join(work, "machine.sh")
open(machine, "w").write("echo ran >\"" + work + "/machine-ran\"\n")
target = os.path.join(work, "opt")
r = subprocess.run(["sh", boot, env, target, aws, machine], capture_output=True, text=True)
assert r.returncode == 0, r.stderr
assert open(os.path.join(work, "machine-ran")).read() == "ran\n"
for rel in ["setup.sh", "config.php", "machine/al2023.sh"]:
    assert open(os.path.join(target, "site", rel)).read() == open(os.path.join(site, rel)).read(), rel
# A piece that changed: the SHA-256 check refuses the bundle, nothing runs.
first = sorted(os.listdir(pieces))[0]
text = open(os.path.join(pieces, first)).read()
open(os.path.join(pieces, first), "w").write(("B" if text[0] != "B" else "C") + text[1:])
os.remove(os.path.join(work, "machine-ran"))
r = subprocess.run(["sh", boot, env, target, aws, machine], capture_output=True, text=True)
assert r.returncode != 0 and "SHA-256" in r.stderr, (r.returncode, r.stderr)
assert not os.path.exists(os.path.join(work, "machine-ran"))
"##;
    let output = Command::new("python3")
        .args(["-c", script, &site.to_string_lossy(), &cfn.to_string_lossy(), &dir.path().to_string_lossy()])
        .output()
        .expect("python3 runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

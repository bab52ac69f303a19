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

/// Unpack the `.tar.gz` a template's user data carries (the base64 after
/// `path: /opt/mhac/site.tgz`) into `dest`.
fn unpack_user_data_bundle(template: &str, dest: &Path) {
    let script = r#"
import base64, io, re, sys, tarfile
text = open(sys.argv[1]).read()
found = [re.search(r"content: ([A-Za-z0-9+/=]+)", text[at:]).group(1) for at in [m.end() for m in re.finditer(r"path: /opt/mhac/site\.tgz", text)]]
assert len(set(found)) == 1, f"{len(found)} bundles in {sys.argv[1]}"
tarfile.open(fileobj=io.BytesIO(base64.b64decode(found[0])), mode="r:gz").extractall(sys.argv[2], **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
"#;
    let output =
        Command::new("python3").args(["-c", script, template, &dest.to_string_lossy()]).output().expect("python3 runs");
    assert!(output.status.success(), "unpacking the bundle of {template}: {}", String::from_utf8_lossy(&output.stderr));
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
            .find(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains("/opt/mhac/site.tgz")))
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
        for (printer, template) in [("cloudformation", cfn.clone()), ("terraform", tf_main)] {
            let unpacked = dir.path().join(format!("{name}-{printer}-bundle"));
            unpack_user_data_bundle(&template.to_string_lossy(), &unpacked);
            let got = tree(&unpacked);
            assert_eq!(
                got.keys().collect::<Vec<_>>(),
                want.keys().collect::<Vec<_>>(),
                "{name}: the {printer} bundle's files"
            );
            for (path, bytes) in &want {
                assert!(got[path] == *bytes, "{name}: {path} in the {printer} user data differs from --target site's");
            }
        }
    }
}

//! The pictures in the documentation are current: `docs/graph/NAME.svg` is
//! byte for byte what `mhac graph examples/NAME.mha` draws now (the README
//! shows `moodle.svg`), and each example's browser-rendered
//! `docs/graph/NAME.png` exists, is not blank, has the SVG's size and was
//! rendered from the SVG as it is now (its SHA-256 is recorded in
//! `docs/graph/png-sources.txt`).
//!
//! After a change to the pictures, regenerate them with
//! `MHAC_UPDATE_DOCS=1 cargo test -p mhac-graph --test tools chromium_`
//! (needs Debian's chromium; writes the SVGs, the PNGs and the record), and
//! commit the result.

mod common;

use common::{Picture, examples, png_sources_path, png_stats, repository};

const UPDATE: &str =
    "regenerate with `MHAC_UPDATE_DOCS=1 cargo test -p mhac-graph --test tools chromium_` and commit docs/graph";

#[test]
fn the_committed_svgs_are_what_mhac_draws_now() {
    for path in examples() {
        let picture = Picture::of_example(&path);
        let committed = repository().join(format!("docs/graph/{}.svg", picture.name));
        let bytes = std::fs::read_to_string(&committed)
            .unwrap_or_else(|error| panic!("{}: {error}; {UPDATE}", committed.display()));
        assert!(bytes == picture.svg, "{} is out of date; {UPDATE}", committed.display());
    }
}

#[test]
fn every_example_has_a_current_browser_rendered_png() {
    let record = std::fs::read_to_string(png_sources_path())
        .unwrap_or_else(|error| panic!("{}: {error}; {UPDATE}", png_sources_path().display()));
    for path in examples() {
        let picture = Picture::of_example(&path);
        let png_name = format!("{}.png", picture.name);
        let png = repository().join("docs/graph").join(&png_name);
        let bytes = std::fs::read(&png).unwrap_or_else(|error| panic!("{}: {error}; {UPDATE}", png.display()));
        let stats = png_stats(&bytes);
        stats.assert_drawn(&png_name);
        let (width, height) = picture.size();
        assert_eq!((stats.width as i32, stats.height as i32), (width, height), "{png_name}: {UPDATE}");
        let expected = format!("{}  {png_name}", picture.svg_sha256());
        assert!(record.lines().any(|line| line == expected), "{png_name} was rendered from another SVG; {UPDATE}");
    }
}

#[test]
fn the_readme_shows_the_pictures() {
    let readme = std::fs::read_to_string(repository().join("README.md")).expect("README.md");
    assert!(readme.contains("docs/graph/moodle.svg"), "the README shows docs/graph/moodle.svg");
    for path in examples() {
        let png = format!("docs/graph/{}.png", common::stem(&path));
        assert!(readme.contains(&png), "the README links {png}");
    }
}

//! Shared helpers of the graph tests: the examples, a few generated
//! sources, finding tools, decoding PNGs and the record of which SVG each
//! committed PNG under `docs/graph/` was rendered from.
#![allow(dead_code)]

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The repository root.
pub fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every example, sorted by name.
pub fn examples() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repository().join("examples"))
        .expect("examples/ exists")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "mha"))
        .collect();
    files.sort();
    files
}

/// A file's name without its extension.
pub fn stem(path: &Path) -> String {
    path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Find a tool on PATH, or fail saying how the suite gets it.
pub fn require_tool(name: &str) -> PathBuf {
    let found = std::env::var_os("PATH")
        .and_then(|path| std::env::split_paths(&path).map(|dir| dir.join(name)).find(|candidate| candidate.is_file()));
    found.unwrap_or_else(|| {
        panic!(
            "`{name}` is not on PATH: run the tests with scripts/test, which installs it or skips this test and says so"
        )
    })
}

/// Starter sources of every engine and the ends of the zone range: sources
/// the examples do not cover (three to six zones, PostgreSQL, MariaDB).
pub fn generated_sources() -> Vec<(String, String)> {
    use mhac_graph::init::{Engine, Options, Profile, starter};
    let mut sources = Vec::new();
    for (zones, engine, profile) in
        [(3, Engine::Postgres, Profile::Dev), (6, Engine::Mariadb, Profile::Prod), (2, Engine::Mysql, Profile::Dev)]
    {
        let text = starter(Options { zones, engine, profile }).expect("in range");
        sources.push((format!("starter-{zones}-{}-{}", engine.as_str(), profile.as_str()), text));
    }
    sources
}

/// One picture: a source and its SVG.
#[derive(Clone, Debug)]
pub struct Picture {
    /// The example's name (`moodle`).
    pub name: String,
    /// The source.
    pub text: String,
    /// The SVG of the source, without `--check`.
    pub svg: String,
}

impl Picture {
    /// The picture of an example.
    pub fn of_example(path: &Path) -> Picture {
        let text = std::fs::read_to_string(path).expect("example");
        let svg = mhac_graph::render(
            &mhac_compiler::compile(&text),
            &text,
            mhac_graph::Format::Svg,
            mhac_graph::Options::default(),
        );
        Picture { name: stem(path), text, svg }
    }

    /// The SVG's width and height.
    pub fn size(&self) -> (i32, i32) {
        let document = roxmltree::Document::parse(&self.svg).expect("well-formed");
        let root = document.root_element();
        let number = |name: &str| -> i32 {
            root.attribute(name).and_then(|v| v.parse().ok()).expect("the SVG has a width and a height")
        };
        (number("width"), number("height"))
    }

    /// The SHA-256 of the SVG, hex.
    pub fn svg_sha256(&self) -> String {
        Sha256::digest(self.svg.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Where the record of the committed PNGs' sources is kept.
pub fn png_sources_path() -> PathBuf {
    repository().join("docs/graph/png-sources.txt")
}

/// Write the record: one line per PNG, `SHA256-OF-ITS-SVG  NAME.png`.
pub fn write_png_sources(pictures: &[Picture]) {
    let mut text = String::from(
        "# The SHA-256 of the SVG each PNG here was rendered from by headless Chromium\n\
         # (graph/tests/tools.rs with MHAC_UPDATE_DOCS=1); graph/tests/docs.rs checks\n\
         # that they match the SVGs mhac draws now.\n",
    );
    for picture in pictures {
        text.push_str(&format!("{}  {}.png\n", picture.svg_sha256(), picture.name));
    }
    std::fs::write(png_sources_path(), text).expect("write the record");
}

/// What a decoded PNG shows.
pub struct PngStats {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Pixels that are not white.
    pub inked: usize,
    /// Pixels close to each category colour (compute, database, storage,
    /// networking, security, management).
    pub category_pixels: [usize; 6],
}

impl PngStats {
    /// Assert that the picture is drawn: ink on a good part of it, and the
    /// icons' category colours.
    pub fn assert_drawn(&self, name: &str) {
        let total = (self.width as usize) * (self.height as usize);
        assert!(total > 0, "{name}: empty PNG");
        assert!(self.inked * 100 > total * 3, "{name}: only {} of {total} pixels are not white", self.inked);
        let present = self.category_pixels.iter().filter(|&&count| count > 200).count();
        assert!(present >= 4, "{name}: category colours barely drawn: {:?}", self.category_pixels);
    }
}

/// Decode a PNG and count its ink and category colours.
pub fn png_stats(bytes: &[u8]) -> PngStats {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buffer = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buffer).expect("a frame");
    let channels = info.color_type.samples();
    let colors: [(i32, i32, i32); 6] = [
        (0xED, 0x71, 0x00),
        (0x3B, 0x48, 0xCC),
        (0x7A, 0xA1, 0x16),
        (0x8C, 0x4F, 0xFF),
        (0xDD, 0x34, 0x4C),
        (0xE7, 0x15, 0x7B),
    ];
    let mut inked = 0;
    let mut category_pixels = [0; 6];
    for pixel in buffer[..info.buffer_size()].chunks(channels) {
        let (r, g, b) = match channels {
            1 | 2 => (pixel[0], pixel[0], pixel[0]),
            _ => (pixel[0], pixel[1], pixel[2]),
        };
        if (r, g, b) != (255, 255, 255) {
            inked += 1;
        }
        for (count, color) in category_pixels.iter_mut().zip(colors) {
            let distance =
                (i32::from(r) - color.0).abs() + (i32::from(g) - color.1).abs() + (i32::from(b) - color.2).abs();
            if distance < 24 {
                *count += 1;
            }
        }
    }
    PngStats { width: info.width, height: info.height, inked, category_pixels }
}

//! mhac's pictures of a deployment and its starting point: `mhac graph` and
//! `mhac init`.
//!
//! `mhac graph` draws what a source describes the way an AWS architecture
//! diagram does: the region and the VPC as frames, zones as columns, tiers
//! as rows, each component in the subnets it occupies, the edge services
//! (internet, Shield, WAF, internet gateway) above, the VPN at the side,
//! the regional services (S3, CloudWatch, SNS) below, and the
//! security-group flows as arrows labelled with their ports. The work is
//! done in three steps, each a module:
//!
//! * [`scene`]: the model → what to draw (items, where they belong, flows),
//!   format-neutral; the DOT and Mermaid writers read it directly.
//! * [`layout`]: the scene → geometry (frames, boxes and routed arrows with
//!   coordinates), exposed as data so that tests check it as geometry.
//! * [`svg`]: the geometry → a self-contained SVG document.
//!
//! [`init`] writes the starter source of `mhac init`. It lives here rather
//! than in the command-line crate so that its tests (every combination of
//! flags through the checker and the formatter) build without the AWS SDK.
//!
//! Like the compiler, this crate does no IO: text in, text out, and the
//! same source always gives the same bytes.

pub mod dot;
pub mod init;
pub mod layout;
pub mod mermaid;
pub mod scene;
pub mod svg;
mod text;

use mhac_compiler::Compilation;

/// The picture formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A self-contained SVG document, laid out like an AWS diagram.
    Svg,
    /// Graphviz DOT: nested clusters, laid out by `dot`.
    Dot,
    /// A Mermaid flowchart with subgraphs, for READMEs and wikis.
    Mermaid,
}

/// What to draw besides the deployment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Mark the components that have errors or warnings and list the
    /// diagnostics (`mhac graph --check`).
    pub check: bool,
}

/// Draw a compilation in a format. The model is drawn even when the
/// compilation has errors: whatever lowered is shown, and with
/// `options.check` the errors are marked on it.
pub fn render(compilation: &Compilation, text: &str, format: Format, options: Options) -> String {
    let scene = scene::Scene::new(compilation, text, options);
    match format {
        Format::Svg => svg::svg(&layout::Layout::new(&scene)),
        Format::Dot => dot::dot(&scene),
        Format::Mermaid => mermaid::mermaid(&scene),
    }
}

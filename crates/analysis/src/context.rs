//! What every check receives: the tree, the options, and helpers to make evidence.

use baseline_model::Evidence;
use baseline_unpack::{ArtifactTree, NodeId, NodeKind};
use std::time::Duration;

/// User-facing options of an analysis run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Show secrets in full in excerpts (default: redacted).
    pub show_secrets: bool,
    /// Extra password candidates from `--wordlist`, tried after the bundled dictionary's best.
    pub wordlist: Vec<String>,
    /// Wall-clock budget for password recovery across all hashes.
    pub crack_budget: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            show_secrets: false,
            wordlist: Vec::new(),
            crack_budget: Duration::from_secs(10),
        }
    }
}

/// Shared read-only state of one analysis run.
#[derive(Debug)]
pub struct Context<'a> {
    pub tree: &'a ArtifactTree,
    pub options: &'a Options,
}

impl<'a> Context<'a> {
    pub fn new(tree: &'a ArtifactTree, options: &'a Options) -> Self {
        Context { tree, options }
    }

    /// Evidence pointing at a node: `artifact` is the input's name, `path` the path inside
    /// its file system when it is in one, else the tree's display path.
    pub fn evidence(&self, id: NodeId) -> Evidence {
        let input = self.tree.input_of(id);
        let artifact = self
            .tree
            .get(input)
            .map(|n| n.name.clone())
            .unwrap_or_default();
        // Nested file systems (a zip in a jffs2) keep the outer file in the path, so the
        // evidence can be found: `/system/bin/encoder.zip!/encoder`.
        let path = self
            .tree
            .member_path(id)
            .unwrap_or_else(|| self.tree.display_path(id));
        Evidence::new(artifact).path(path)
    }

    /// Every regular file inside any extracted file system, with its device path.
    pub fn fs_files(&self) -> impl Iterator<Item = (NodeId, String)> + '_ {
        self.tree.iter().filter_map(|(id, n)| {
            if matches!(n.kind, NodeKind::File) && n.fs_root.is_some() {
                self.tree.fs_path(id).map(|p| (id, p))
            } else {
                None
            }
        })
    }

    /// Redact a secret for display unless `--show-secrets`: keep the first 4 characters.
    pub fn redact(&self, secret: &str) -> String {
        if self.options.show_secrets {
            return secret.to_owned();
        }
        let keep: String = secret.chars().take(4).collect();
        format!("{keep}… (redacted, {} chars)", secret.chars().count())
    }
}

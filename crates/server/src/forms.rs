//! Reading a submitted form, URL-encoded or `multipart/form-data`, with limits on the number
//! and size of the uploaded files. An upload's name is reduced to a plain file name
//! ([`safe_name`]): it is data in the register, never a path, and the server writes nothing
//! to disk. Upload bytes are never interpreted here (the assessment, run by a job, unpacks
//! firmware with the pipeline's own decompression limits).

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;
use std::collections::HashMap;

/// Limits of one form's uploads.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Files at most.
    pub files: usize,
    /// Bytes of all files together at most (also the request body limit of the route).
    pub total: usize,
}

/// The public allegation form: up to 5 files (firmware, screenshots), 32 MiB together.
pub const ALLEGATION_UPLOADS: Limits = Limits {
    files: 5,
    total: 32 << 20,
};
/// Officers' evidence: up to 10 files, 256 MiB together (a firmware image).
pub const CASE_UPLOADS: Limits = Limits {
    files: 10,
    total: 256 << 20,
};
/// Respondents' representations and evidence of remedy: up to 10 files, 32 MiB together.
pub const RESPONDENT_UPLOADS: Limits = Limits {
    files: 10,
    total: 32 << 20,
};
/// Text fields of a multipart form, bytes together at most.
const TEXT_TOTAL: usize = 256 << 10;

/// An uploaded file.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The form field it came in.
    pub field: String,
    /// Its plain file name ([`safe_name`]).
    pub name: String,
    pub data: Vec<u8>,
}

/// A submitted form.
#[derive(Debug, Clone, Default)]
pub struct Submitted {
    pub fields: HashMap<String, String>,
    pub files: Vec<Upload>,
}

impl Submitted {
    /// A text field, empty when absent.
    pub fn get(&self, name: &str) -> &str {
        self.fields.get(name).map(String::as_str).unwrap_or("")
    }
    /// A text field, `None` when absent or blank.
    pub fn opt(&self, name: &str) -> Option<String> {
        let v = self.get(name).trim();
        (!v.is_empty()).then(|| v.to_owned())
    }
}

/// Why a form could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormError {
    /// More or larger files than the form takes.
    TooLarge(String),
    /// Not a form this server can read.
    Unreadable(String),
}

/// A file name reduced to its last component, without control characters, at most 255
/// bytes; `upload` when nothing is left (`../../etc/passwd` is `passwd`, `..` is `upload`).
pub fn safe_name(original: &str) -> String {
    let last = original
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>();
    let last = last.trim();
    let mut out = String::new();
    for c in last.chars() {
        if out.len() + c.len_utf8() > 255 {
            break;
        }
        out.push(c);
    }
    if out.is_empty() || out == "." || out == ".." {
        "upload".to_owned()
    } else {
        out
    }
}

/// Read a URL-encoded or multipart form from `req`.
pub async fn read(req: Request, limits: Limits) -> Result<Submitted, FormError> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let axum::Form(pairs) = axum::Form::<Vec<(String, String)>>::from_request(req, &())
            .await
            .map_err(|e| FormError::Unreadable(e.body_text()))?;
        let mut out = Submitted::default();
        for (k, v) in pairs {
            out.fields.entry(k).or_insert(v);
        }
        return no_nul(out);
    }
    let mut m = Multipart::from_request(req, &())
        .await
        .map_err(|e| FormError::Unreadable(e.body_text()))?;
    let mut out = Submitted::default();
    let (mut total, mut text) = (0usize, 0usize);
    loop {
        let field = match m.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(too_large_or(e.body_text(), limits)),
        };
        let name = field.name().unwrap_or("").to_owned();
        match field.file_name().map(str::to_owned) {
            Some(file_name) => {
                let mut field = field;
                let mut data = Vec::new();
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) => {
                            total += chunk.len();
                            if total > limits.total {
                                return Err(FormError::TooLarge(format!(
                                    "the files are larger than {} MiB together",
                                    limits.total >> 20
                                )));
                            }
                            data.extend_from_slice(&chunk);
                        }
                        Ok(None) => break,
                        Err(e) => return Err(too_large_or(e.body_text(), limits)),
                    }
                }
                // A file input left empty is sent as a part with no name and no bytes.
                if file_name.is_empty() && data.is_empty() {
                    continue;
                }
                if out.files.len() == limits.files {
                    return Err(FormError::TooLarge(format!(
                        "more than {} files",
                        limits.files
                    )));
                }
                out.files.push(Upload {
                    field: name,
                    name: safe_name(&file_name),
                    data,
                });
            }
            None => {
                let value = field
                    .text()
                    .await
                    .map_err(|e| too_large_or(e.body_text(), limits))?;
                text += value.len();
                if text > TEXT_TOTAL {
                    return Err(FormError::TooLarge(format!(
                        "the text is longer than {} KiB",
                        TEXT_TOTAL >> 10
                    )));
                }
                out.fields.entry(name).or_insert(value);
            }
        }
    }
    no_nul(out)
}

/// A text field holding NUL is refused: no field needs one, and PostgreSQL text cannot
/// store it (SQLite can), so the two back ends would otherwise answer differently.
fn no_nul(s: Submitted) -> Result<Submitted, FormError> {
    match s.fields.iter().find(|(_, v)| v.contains('\0')) {
        Some((k, _)) => Err(FormError::Unreadable(format!(
            "the field `{k}` contains a NUL character"
        ))),
        None => Ok(s),
    }
}

fn too_large_or(text: String, limits: Limits) -> FormError {
    if text.contains("length limit") || text.contains("too large") {
        FormError::TooLarge(format!(
            "the form is larger than {} MiB",
            limits.total >> 20
        ))
    } else {
        FormError::Unreadable(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_reduced_to_a_plain_last_component() {
        for (given, kept) in [
            ("../../etc/passwd", "passwd"),
            ("C:\\Users\\me\\fw.bin", "fw.bin"),
            ("..", "upload"),
            ("dir/", "upload"),
            ("a\u{0}b\nc.bin", "abc.bin"),
            ("  photo 1.jpg ", "photo 1.jpg"),
        ] {
            assert_eq!(safe_name(given), kept, "{given:?}");
            assert!(baseline_register::register::is_plain_name(&safe_name(
                given
            )));
        }
        let long = "é".repeat(200);
        assert_eq!(safe_name(&long).len(), 254);
    }
}

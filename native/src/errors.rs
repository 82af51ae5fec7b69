//! Error values shared by the walker and the JS bindings.
//!
//! Messages are fixed so the pure-TS twin in `@tsnix/nar` can produce the same
//! text: `nar: cannot read '<path>': <why>` where `<why>` is the C library's
//! `strerror` text with a lower-case first letter followed by the errno's name,
//! e.g. `no such file or directory (ENOENT)`, `is a directory (EISDIR)`,
//! `too many levels of symbolic links (ELOOP)`; `(errno <n>)` replaces the name
//! for an errno without one here; `unexpected end of file` when a file shrinks
//! while it is read.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NarError {
    CannotRead { path: String, why: String },
    UnsupportedType { path: String },
    BadAlgorithm { name: String },
}

impl fmt::Display for NarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NarError::CannotRead { path, why } => write!(f, "nar: cannot read '{path}': {why}"),
            NarError::UnsupportedType { path } => write!(f, "nar: unsupported file type at '{path}'"),
            NarError::BadAlgorithm { name } => write!(f, "nar: unsupported hash algorithm '{name}'"),
        }
    }
}

impl NarError {
    /// The stable error code exposed to JS as `err.code`.
    pub fn code(&self) -> &'static str {
        match self {
            NarError::CannotRead { .. } => "cannot-read",
            NarError::UnsupportedType { .. } => "unsupported-type",
            NarError::BadAlgorithm { .. } => "unsupported-algorithm",
        }
    }
}

/// The symbolic name of an errno (Linux numbering), as Node reports it in `err.code`.
fn errno_name(errno: i32) -> Option<&'static str> {
    Some(match errno {
        1 => "EPERM",
        2 => "ENOENT",
        4 => "EINTR",
        5 => "EIO",
        6 => "ENXIO",
        9 => "EBADF",
        11 => "EAGAIN",
        12 => "ENOMEM",
        13 => "EACCES",
        14 => "EFAULT",
        16 => "EBUSY",
        19 => "ENODEV",
        20 => "ENOTDIR",
        21 => "EISDIR",
        22 => "EINVAL",
        23 => "ENFILE",
        24 => "EMFILE",
        27 => "EFBIG",
        36 => "ENAMETOOLONG",
        38 => "ENOSYS",
        40 => "ELOOP",
        61 => "ENODATA",
        75 => "EOVERFLOW",
        84 => "EILSEQ",
        95 => "ENOTSUP",
        125 => "ECANCELED",
        _ => return None,
    })
}

/// `<why>` for an errno: the C library's message with a lower-case first letter,
/// then the errno's name, e.g. `no such file or directory (ENOENT)`.
pub fn describe_errno(errno: i32) -> String {
    let full = std::io::Error::from_raw_os_error(errno).to_string();
    // Rust appends " (os error N)" to strerror's text.
    let text = full.rsplit_once(" (os error ").map_or(full.as_str(), |(t, _)| t);
    let mut chars = text.chars();
    let text: String = match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    };
    match errno_name(errno) {
        Some(name) => format!("{text} ({name})"),
        None => format!("{text} (errno {errno})"),
    }
}

pub fn cannot_read(path: &[u8], errno: i32) -> NarError {
    NarError::CannotRead { path: String::from_utf8_lossy(path).into_owned(), why: describe_errno(errno) }
}

#[cfg(test)]
mod tests {
    use super::describe_errno;

    #[test]
    fn messages_match_the_ts_twin() {
        assert_eq!(describe_errno(libc::ENOENT), "no such file or directory (ENOENT)");
        assert_eq!(describe_errno(libc::EISDIR), "is a directory (EISDIR)");
        assert_eq!(describe_errno(libc::ELOOP), "too many levels of symbolic links (ELOOP)");
        assert_eq!(describe_errno(libc::EIO), "input/output error (EIO)");
        assert_eq!(describe_errno(libc::ENFILE), "too many open files in system (ENFILE)");
        assert_eq!(describe_errno(libc::ENAMETOOLONG), "file name too long (ENAMETOOLONG)");
    }
}

//! Git LFS pointers: the small text file git keeps in place of a large file whose content lives
//! on an LFS server. Its `size` is the real file's.

/// A pointer is a few lines: `version`, `oid sha256:…`, `size N` (and optional extensions).
/// Anything longer is not one.
pub const MAX_POINTER_BYTES: u64 = 1024;

/// The size an LFS pointer records, if `text` is one.
pub fn pointer_size(text: &str) -> Option<u64> {
    let mut lines = text.lines();
    let version = lines.next()?.strip_prefix("version ")?;
    if !version.starts_with("https://git-lfs.github.com/spec/") {
        return None;
    }
    lines.find_map(|line| line.strip_prefix("size ")?.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_size_of_a_pointer_and_nothing_else() {
        let pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 163671\n";
        assert_eq!(pointer_size(pointer), Some(163_671));
        assert_eq!(pointer_size("size 12\n"), None);
        assert_eq!(
            pointer_size("version https://example.com/\nsize 12\n"),
            None
        );
        assert_eq!(
            pointer_size("version https://git-lfs.github.com/spec/v1\noid sha256:00\n"),
            None
        );
    }
}

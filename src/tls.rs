//! The one TLS crypto provider (rustls with ring) that every HTTPS connection of a run uses:
//! octocrab's to the GitHub API and gix's to other git remotes.

/// Makes ring the process's rustls provider, once; before any HTTPS client is built (reqwest
/// refuses to build one without it).
pub fn install_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // An error means a provider is installed already, which is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

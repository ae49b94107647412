//! `--port auto|N|LOW-HIGH`: picking a free port for the service under test, and `{port}`
//! substitution in its command line and environment.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr, TcpListener};
use std::str::FromStr;

/// The placeholder replaced by the chosen port.
pub const PLACEHOLDER: &str = "{port}";

/// Which port the service gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortSpec {
    /// Any free port, chosen by the system.
    Auto,
    /// Exactly this port; in use is an error.
    Fixed(u16),
    /// The first free port of this range, both ends included.
    Range(u16, u16),
}

impl FromStr for PortSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("'{s}' is not a port; write 'auto', e.g. '8000' or e.g. '8000-8010'");
        let port = |p: &str| match p.trim().parse::<u16>() {
            Ok(0) | Err(_) => Err(bad()),
            Ok(n) => Ok(n),
        };
        let s = s.trim();
        if s.eq_ignore_ascii_case("auto") {
            return Ok(PortSpec::Auto);
        }
        match s.split_once('-') {
            Some((low, high)) => {
                let (low, high) = (port(low)?, port(high)?);
                if low > high {
                    return Err(format!(
                        "port range '{s}' is empty; write the lower port first"
                    ));
                }
                Ok(PortSpec::Range(low, high))
            }
            None => Ok(PortSpec::Fixed(port(s)?)),
        }
    }
}

impl fmt::Display for PortSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortSpec::Auto => f.write_str("auto"),
            PortSpec::Fixed(p) => write!(f, "{p}"),
            PortSpec::Range(low, high) => write!(f, "{low}-{high}"),
        }
    }
}

/// Whether nothing listens on `port`: binding the IPv4 loopback and wildcard conflicts with any
/// IPv4 listener on that port, and the IPv6 wildcard (dual-stack on Linux) with IPv6 ones. A machine without
/// IPv6 only answers for IPv4.
pub fn is_free(port: u16) -> bool {
    // Loopback first: some systems (Windows) let the wildcard bind over a loopback listener.
    if TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_err()
        || TcpListener::bind((Ipv4Addr::UNSPECIFIED, port)).is_err()
    {
        return false;
    }
    match TcpListener::bind((Ipv6Addr::UNSPECIFIED, port)) {
        Ok(_) => true,
        Err(e) => e.kind() != std::io::ErrorKind::AddrInUse,
    }
}

/// Picks a port by `spec`. There is a window between this check and the service binding the
/// port; the service failing to bind then shows as an early exit with its log.
pub fn pick(spec: PortSpec) -> Result<u16, String> {
    match spec {
        PortSpec::Auto => TcpListener::bind((Ipv4Addr::UNSPECIFIED, 0))
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .map_err(|e| format!("cannot get a free port from the system: {e}")),
        PortSpec::Fixed(port) if is_free(port) => Ok(port),
        PortSpec::Fixed(port) => Err(format!(
            "port {port} is in use; pass a range such as --port {port}-{} or --port auto",
            port.saturating_add(10)
        )),
        PortSpec::Range(low, high) => (low..=high).find(|&p| is_free(p)).ok_or_else(|| {
            format!("no free port in {low}-{high}; widen the range or use --port auto")
        }),
    }
}

/// Whether `s` holds `{port}`.
pub fn has_placeholder(s: &OsStr) -> bool {
    s.as_encoded_bytes()
        .windows(PLACEHOLDER.len())
        .any(|w| w == PLACEHOLDER.as_bytes())
}

/// Replaces every `{port}` in `s` with `port`. On Unix any non-UTF-8 bytes stay as they are; on
/// Windows an argument that is not valid Unicode is passed unchanged.
pub fn substitute(s: &OsStr, port: u16) -> OsString {
    if !has_placeholder(s) {
        return s.to_os_string();
    }
    let digits = port.to_string();
    #[cfg(unix)]
    {
        use std::os::unix::ffi::{OsStrExt, OsStringExt};
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i..].starts_with(PLACEHOLDER.as_bytes()) {
                out.extend_from_slice(digits.as_bytes());
                i += PLACEHOLDER.len();
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        OsString::from_vec(out)
    }
    #[cfg(not(unix))]
    {
        match s.to_str() {
            Some(text) => OsString::from(text.replace(PLACEHOLDER, &digits)),
            None => s.to_os_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse() {
        assert_eq!("auto".parse(), Ok(PortSpec::Auto));
        assert_eq!("8000".parse(), Ok(PortSpec::Fixed(8000)));
        assert_eq!("8000-8010".parse(), Ok(PortSpec::Range(8000, 8010)));
        for bad in ["0", "8010-8000", "x", "70000", "80-"] {
            assert!(bad.parse::<PortSpec>().is_err(), "{bad}");
        }
        assert_eq!(PortSpec::Range(1, 2).to_string(), "1-2");
    }

    #[test]
    fn ranges_skip_ports_in_use() {
        let taken = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        assert!(!is_free(port));
        assert_eq!(
            pick(PortSpec::Fixed(port)).unwrap_err(),
            format!(
                "port {port} is in use; pass a range such as --port {port}-{} or --port auto",
                port.saturating_add(10)
            )
        );
        let chosen = pick(PortSpec::Range(port, port.saturating_add(20))).unwrap();
        assert!(chosen > port);
        assert!(pick(PortSpec::Auto).unwrap() > 0);
    }

    #[test]
    fn placeholders_are_replaced() {
        assert_eq!(
            substitute(OsStr::new("--listen=:{port}/{port}"), 8001),
            OsString::from("--listen=:8001/8001")
        );
        assert_eq!(substitute(OsStr::new("{por}"), 1), OsString::from("{por}"));
        assert!(has_placeholder(OsStr::new("x{port}")));
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_bytes_survive() {
        use std::os::unix::ffi::OsStrExt;
        let s = OsStr::from_bytes(b"\xff{port}");
        assert_eq!(substitute(s, 9).as_bytes(), b"\xff9");
    }
}

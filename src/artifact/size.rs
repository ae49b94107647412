//! Byte sizes as people write them: SI units (`KB`, `MB`, `GB`, `TB`: powers of 1000) and IEC
//! units (`KiB`, `MiB`, `GiB`, `TiB`: powers of 1024), decimals allowed (`1.5GB`).

/// Parses `1MB`, `1.5 GiB`, `512` (bytes) into a byte count.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1000,
        "mb" => 1000u64.pow(2),
        "gb" => 1000u64.pow(3),
        "tb" => 1000u64.pow(4),
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        _ => {
            return Err(format!(
                "'{text}': unknown size unit '{}'; use B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024)",
                unit.trim()
            ))
        }
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a size; write e.g. '1MB', '512KiB' or '3GB'"))?;
    let bytes = (value * factor as f64).round();
    if !bytes.is_finite() || bytes < 0.0 || bytes > u64::MAX as f64 {
        return Err(format!("'{text}' is too large"));
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn si_and_iec_units() {
        assert_eq!(parse_size("1MB"), Ok(1_000_000));
        assert_eq!(parse_size("3GB"), Ok(3_000_000_000));
        assert_eq!(parse_size("1 KiB"), Ok(1024));
        assert_eq!(parse_size("1.5GiB"), Ok(1_610_612_736));
        assert_eq!(parse_size("512"), Ok(512));
        assert_eq!(parse_size("10kb"), Ok(10_000));
    }

    #[test]
    fn bad_sizes_say_what_to_write() {
        assert!(parse_size("1M")
            .unwrap_err()
            .contains("unknown size unit 'M'"));
        assert!(parse_size("MB").unwrap_err().contains("not a size"));
        assert!(parse_size("1.2.3MB").is_err());
        assert!(parse_size("").is_err());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in ".{0,12}") {
            let _ = parse_size(&s);
        }

        #[test]
        fn whole_kib_round_trip(n in 0u64..1_000_000) {
            proptest::prop_assert_eq!(parse_size(&format!("{n}KiB")), Ok(n * 1024));
        }
    }
}

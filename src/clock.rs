//! Dates and durations without a calendar crate: UTC only, proleptic Gregorian
//! (H. Hinnant's civil-date algorithms), as the ring's `created`/`since` and history
//! attribution need them.

/// Seconds since the Unix epoch, now.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Days since 1970-01-01 to (year, month, day).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// (year, month, day) to days since 1970-01-01.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DD` of a Unix time.
pub(crate) fn date(secs: i64) -> String {
    let (y, m, d) = civil(secs.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DDTHH:MM:SSZ` of a Unix time.
pub(crate) fn rfc3339(secs: i64) -> String {
    let s = secs.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        date(secs),
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

/// Parses `YYYY-MM-DD` or an RFC 3339 time (`YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`).
pub(crate) fn parse(text: &str) -> Option<i64> {
    let t = text.trim();
    let num = |s: &str| -> Option<i64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (y, m, d) = (num(t.get(0..4)?)?, num(t.get(5..7)?)?, num(t.get(8..10)?)?);
    if t.as_bytes()[4] != b'-'
        || t.as_bytes()[7] != b'-'
        || !(1..=12).contains(&m)
        || !(1..=31).contains(&d)
    {
        return None;
    }
    let day = days_from_civil(y, m, d) * 86_400;
    if t.len() == 10 {
        return Some(day);
    }
    let rest = t.get(10..)?;
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let (hh, mm, ss) = (
        num(rest.get(0..2)?)?,
        num(rest.get(3..5)?)?,
        num(rest.get(6..8)?)?,
    );
    if rest.as_bytes()[2] != b':' || rest.as_bytes()[5] != b':' || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let mut zone = &rest[8..];
    if let Some(frac) = zone.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        zone = &frac[n..];
    }
    let offset = match zone {
        "Z" | "z" => 0,
        z if z.len() == 6 && matches!(&z[..1], "+" | "-") && &z[3..4] == ":" => {
            let o = num(&z[1..3])? * 3600 + num(&z[4..6])? * 60;
            if &z[..1] == "+" {
                o
            } else {
                -o
            }
        }
        _ => return None,
    };
    // Only times that print back as four-digit years.
    Some(day + hh * 3600 + mm * 60 + ss - offset)
        .filter(|t| (-62_167_219_200..=253_402_300_799).contains(t))
}

/// Parses a duration such as `48h`, `7d`, `2w` into seconds.
pub(crate) fn parse_duration(text: &str) -> Option<i64> {
    let t = text.trim();
    let unit = match t.as_bytes().last()? {
        b'h' => 3600,
        b'd' => 86_400,
        b'w' => 7 * 86_400,
        _ => return None,
    };
    let n: i64 = t[..t.len() - 1].parse().ok().filter(|n| *n > 0)?;
    n.checked_mul(unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(rfc3339(1_796_122_421), "2026-12-01T10:53:41Z");
        for secs in [0, 951_782_400, 1_796_122_421, 4_107_542_400] {
            assert_eq!(parse(&rfc3339(secs)), Some(secs));
        }
        assert_eq!(parse("2026-01-01"), parse("2026-01-01T00:00:00Z"));
        assert_eq!(
            parse("2026-01-01T02:00:00+02:00"),
            parse("2026-01-01T00:00:00Z")
        );
        assert_eq!(parse("2026-01-01T00:00:00.123Z"), parse("2026-01-01"));
        for bad in [
            "",
            "2026-13-01",
            "2026/01/01",
            "2026-01-01T25:00:00Z",
            "2026-01-01T00:00:00",
            "yesterday",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("48h"), Some(172_800));
        assert_eq!(parse_duration("7d"), Some(604_800));
        assert_eq!(parse_duration("2w"), Some(1_209_600));
        for bad in [
            "",
            "7",
            "d",
            "0d",
            "-1d",
            "7m",
            "1.5d",
            "99999999999999999w",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }
}

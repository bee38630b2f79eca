//! The clock: the one place incident timestamps come from. The binary reads
//! the system time; drills and tests fix it with `INTERLOCK_NOW`.

use ::incident::Timestamp;
use anyhow::{Context, Result, anyhow};

pub trait Clock {
    fn now(&self) -> Timestamp;
}

/// The system time, shown in a fixed UTC offset (`INTERLOCK_UTC_OFFSET`, default UTC).
pub struct SystemClock {
    pub offset_minutes: i16,
}

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let micros = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as i64)
            .unwrap_or(0);
        Timestamp::new(micros, self.offset_minutes)
            .or_else(|_| Timestamp::from_unix_micros(micros))
            .unwrap_or(Timestamp::EPOCH)
    }
}

/// A clock that always says the same time (drills, tests).
pub struct FixedClock(pub Timestamp);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}

/// A clock tests set by hand; never sleeps.
#[cfg(test)]
pub struct SettableClock(pub std::cell::Cell<Timestamp>);

#[cfg(test)]
impl Clock for SettableClock {
    fn now(&self) -> Timestamp {
        self.0.get()
    }
}

/// `±HH:MM` to minutes.
pub fn parse_offset(s: &str) -> Result<i16> {
    let probe = format!("2000-01-01T00:00:00{s}");
    let t = Timestamp::parse(&probe).map_err(|_| anyhow!("\"{s}\" is not a UTC offset; expected ±HH:MM or Z"))?;
    Ok(t.offset_minutes())
}

/// The clock from the environment: `INTERLOCK_NOW` (RFC 3339) fixes it.
pub fn from_env() -> Result<Box<dyn Clock>> {
    if let Ok(now) = std::env::var("INTERLOCK_NOW") {
        let t = Timestamp::parse(&now).context("INTERLOCK_NOW")?;
        return Ok(Box::new(FixedClock(t)));
    }
    let offset_minutes = match std::env::var("INTERLOCK_UTC_OFFSET") {
        Ok(o) => parse_offset(&o).context("INTERLOCK_UTC_OFFSET")?,
        Err(_) => 0,
    };
    Ok(Box::new(SystemClock { offset_minutes }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_settable_clock_moves_only_when_told() {
        let start = Timestamp::parse("2026-11-26T08:00:00-06:00").unwrap_or(Timestamp::EPOCH);
        let c = SettableClock(std::cell::Cell::new(start));
        assert_eq!(c.now(), start);
        c.0.set(start.plus_micros(90_000_000));
        assert_eq!(c.now().to_string(), "2026-11-26T08:01:30-06:00");
    }

    #[test]
    fn offsets_parse() {
        assert_eq!(parse_offset("-06:00").ok(), Some(-360));
        assert_eq!(parse_offset("Z").ok(), Some(0));
        assert!(parse_offset("6").is_err());
    }

    #[test]
    fn the_system_clock_is_after_2025() {
        let now = SystemClock { offset_minutes: 60 }.now();
        assert!(now.micros() > 1_735_689_600_000_000);
        assert_eq!(now.offset_minutes(), 60);
    }
}

//! Reading a build's output as it streams: which Dockerfile step is running.

/// The step a line of build output announces, as `[2/5] RUN pip install ...`.
/// Understands BuildKit's plain progress, the legacy builder and podman.
pub fn step(line: &str) -> Option<String> {
    if let Some(rest) = line.strip_prefix('#') {
        let (_, rest) = rest.split_once(' ')?;
        return rest.starts_with('[').then(|| rest.to_string());
    }
    let rest = line
        .strip_prefix("Step ")
        .or_else(|| line.strip_prefix("STEP "))?;
    let (count, instruction) = rest.split_once(':')?;
    Some(format!("[{}] {}", count.trim(), instruction.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_builders_step_lines() {
        assert_eq!(
            step("#7 [build 3/5] RUN pip install -r requirements.txt"),
            Some("[build 3/5] RUN pip install -r requirements.txt".into())
        );
        assert_eq!(step("#7 DONE 2.3s"), None);
        assert_eq!(step("#7 0.512 Collecting flask"), None);
        assert_eq!(
            step("Step 2/5 : COPY . /app"),
            Some("[2/5] COPY . /app".into())
        );
        assert_eq!(step("STEP 3/7: RUN true"), Some("[3/7] RUN true".into()));
        assert_eq!(step("Collecting flask==3.1.3"), None);
    }
}

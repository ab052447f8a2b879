//! TEMPORARY stand-in for the hello parser (replaced by the INFO/hello work item on merge).

/// A hello payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hello {
    pub sentinel_ip: String,
    pub sentinel_port: u16,
    pub sentinel_runid: String,
    pub current_epoch: u64,
    pub master_name: String,
    pub master_ip: String,
    pub master_port: u16,
    pub master_config_epoch: u64,
}

#[derive(Debug)]
pub struct HelloError;

impl Hello {
    pub fn parse(payload: &[u8]) -> Result<Hello, HelloError> {
        let s = std::str::from_utf8(payload).map_err(|_| HelloError)?;
        let f: Vec<&str> = s.split(',').collect();
        if f.len() != 8 {
            return Err(HelloError);
        }
        Ok(Hello {
            sentinel_ip: f[0].to_string(),
            sentinel_port: f[1].parse().map_err(|_| HelloError)?,
            sentinel_runid: f[2].to_string(),
            current_epoch: f[3].parse().map_err(|_| HelloError)?,
            master_name: f[4].to_string(),
            master_ip: f[5].to_string(),
            master_port: f[6].parse().map_err(|_| HelloError)?,
            master_config_epoch: f[7].parse().map_err(|_| HelloError)?,
        })
    }

    pub fn format(&self) -> String {
        format!(
            "{},{},{},{},{},{},{},{}",
            self.sentinel_ip,
            self.sentinel_port,
            self.sentinel_runid,
            self.current_epoch,
            self.master_name,
            self.master_ip,
            self.master_port,
            self.master_config_epoch
        )
    }
}

#[doc(hidden)]
pub fn fuzz(data: &[u8]) {
    let _ = data;
}

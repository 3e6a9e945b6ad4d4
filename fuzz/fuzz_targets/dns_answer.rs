//! A DNS answer from a nameserver of resolv.conf (or from anything on its address): decoded by
//! hickory, then what the tool's own code does with it: the IPv4 addresses counted, the response
//! code sorted into a failure kind, the PTR name of a reverse lookup (path hops) made a name.
#![no_main]
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::Message;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(msg) = Message::from_vec(data) else { return };
    let n = ecs_doctor::probe::dns::dns_resolvers::addresses(&msg.answers);
    let _ = ecs_doctor::probe::dns::dns_resolvers::classify(Ok(n), "mirrors.cloud.aliyuncs.com");
    let code = msg.metadata.response_code;
    let _ = ecs_doctor::probe::dns::dns_resolvers::classify(
        Err(NetError::Dns(DnsError::ResponseCode(code))),
        "mirrors.cloud.aliyuncs.com",
    );
    let _ = ecs_doctor::trace::rdns::ptr_of(&msg.answers);
});

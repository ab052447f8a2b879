//! The fuzz entries over a small corpus of valid, truncated and broken inputs.

use crate::resp::{fuzz_reply, fuzz_request};

const CORPUS: &[&[u8]] = &[
    b"",
    b"+OK\r\n",
    b"-ERR x\r\n:1\r\n$3\r\nfoo\r\n$-1\r\n*-1\r\n_\r\n",
    b"*2\r\n%1\r\n+k\r\n,1.5\r\n~1\r\n>1\r\n#t\r\n",
    b",nan\r\n,-nan\r\n,inf\r\n,-0\r\n,1e400\r\n,.5\r\n",
    b"(123\r\n=7\r\ntxt:abc\r\n!3\r\nERR\r\n",
    b"|1\r\n+a\r\n+b\r\n+c\r\n",
    b"*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*0\r\n",
    b"$100\r\nshort",
    b"*9\r\n",
    b"PING\r\n\n",
    b"*1\r\n$4\r\nPING\r\nSET \"a\\x41\" 'b\\'c'\n",
    b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n",
    b"\"unbalanced\n",
    b"a b c d e f g h i j k l m n o\n",
    b"*1\r\n$-1\r\n",
    b"*1\rX$1\rXaXY",
    b"\x00\xff\r\n",
];

#[test]
fn reply_corpus() {
    for input in CORPUS {
        fuzz_reply(input);
    }
}

#[test]
fn request_corpus() {
    for input in CORPUS {
        fuzz_request(input);
    }
}

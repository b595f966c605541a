#!/usr/bin/env python3
"""Makes a public mail log anonymous the way testdata/realworld/ was made.

    python3 testdata/realworld/anonymize.py IN.log > OUT.log

Each e-mail address's local part becomes `userN` (the same local part the
same N throughout the file; the domain kept), except the role names every
server has (postmaster, root, MAILER-DAEMON, double-bounce, abuse, nobody);
an address without a domain in from=/to=/orig_to=, or quoted alone in a
reply (`unknown user: "name"`), is treated the same, and a
SASL user name without a domain becomes `sasluserN`. Everything else (hosts,
IP addresses, queue IDs, times, sizes, reply texts) is kept byte for byte,
so what the log says happened is unchanged: only who it happened to.
"""
import re
import sys

KEEP = {"postmaster", "root", "mailer-daemon", "double-bounce", "abuse", "nobody"}
ADDRESS = re.compile(rb"([A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
BARE = re.compile(rb"\b((?:from|to|orig_to)=<)([^<>@\s]+)(>)")
SASL = re.compile(rb"(sasl_username=)([^@,\s]+)(?=[,\s]|$)")
# local(8)'s and virtual(8)'s replies quote the local part alone.
QUOTED = re.compile(rb'((?:unknown user|user unknown|mailbox for user): ")([^"]+)(")', re.I)


class Names:
    def __init__(self, prefix):
        self.prefix = prefix
        self.names = {}

    def __call__(self, local):
        if local.lower().decode("latin-1") in KEEP:
            return local
        if local not in self.names:
            self.names[local] = b"%s%d" % (self.prefix, len(self.names) + 1)
        return self.names[local]


def anonymize(lines):
    users = Names(b"user")
    sasl = Names(b"sasluser")
    for line in lines:
        line = ADDRESS.sub(lambda m: users(m.group(1)) + b"@" + m.group(2), line)
        line = BARE.sub(lambda m: m.group(1) + users(m.group(2)) + m.group(3), line)
        line = QUOTED.sub(lambda m: m.group(1) + users(m.group(2)) + m.group(3), line)
        line = SASL.sub(lambda m: m.group(1) + sasl(m.group(2)), line)
        yield line


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: anonymize.py LOG > ANONYMOUS_LOG")
    with open(sys.argv[1], "rb") as f:
        sys.stdout.buffer.writelines(anonymize(f))


if __name__ == "__main__":
    main()

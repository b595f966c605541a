#include "bench/log_generator.h"

#include <cstdio>
#include <ctime>

namespace mailgauge::bench {
namespace {

const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
const char* const kDomains[] = {"example.com", "example.net", "example.org",
                                "mail.test", "corp.test", "shop.test",
                                "news.test", "list.test"};
const char* const kLongChars = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxy";

}  // namespace

LogGenerator::LogGenerator(const LogGeneratorOptions& options)
    : options_(options), rng_(options.seed), now_(options.start_unix) {
  sessions_.reserve(options_.concurrency + 1);
  for (int i = 0; i < options_.concurrency; ++i) StartSession();
}

std::string LogGenerator::QueueId() {
  ++serial_;
  char buf[32];
  if (options_.long_queue_ids) {
    std::string id;
    uint64_t v = serial_ * 2654435761u + 12345;
    for (int i = 0; i < 10; ++i) {
      id.push_back(kLongChars[v % 51]);
      v /= 51;
    }
    id.push_back('z');
    uint64_t inode = serial_ % 1000003 + 1;
    do {
      id.push_back(kLongChars[inode % 51]);
      inode /= 51;
    } while (inode > 0);
    return id;
  }
  std::snprintf(buf, sizeof buf, "%05X%05X", static_cast<unsigned>(serial_ % 0xFFFFF),
                static_cast<unsigned>((serial_ * 7919) % 0xFFFFF));
  return buf;
}

std::string LogGenerator::Stamp() {
  const time_t secs = static_cast<time_t>(now_);
  const int micros = static_cast<int>((now_ - secs) * 1e6);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  if (options_.iso_timestamps) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06d+00:00",
                  tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                  tm.tm_min, tm.tm_sec, micros);
  } else {
    std::snprintf(buf, sizeof buf, "%s %2d %02d:%02d:%02d", kMonths[tm.tm_mon],
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  }
  return buf;
}

void LogGenerator::StartRejectedSession(uint64_t n, int roll, Session* s) {
  const int pid = 1000 + static_cast<int>(n % 30000);
  char ip[32];
  std::snprintf(ip, sizeof ip, "198.51.%d.%d", static_cast<int>((n >> 8) % 256),
                static_cast<int>((n >> 16) % 254 + 1));
  const std::string port = std::to_string(1024 + (n >> 4) % 60000);
  const std::string smtpd = "postfix/smtpd[" + std::to_string(pid) + "]: ";
  if (roll >= 10 && roll < 12) {
    // postscreen in front of smtpd turns a listed client away.
    const std::string ps = "postfix/postscreen[" + std::to_string(500 + n % 50) + "]: ";
    const std::string peer = std::string("[") + ip + "]:" + port;
    ++truth_.postscreen_connections;
    ++truth_.postscreen_rejects;
    s->pending.push_back(ps + "CONNECT from " + peer + " to [192.0.2.25]:25");
    s->pending.push_back(ps + "DNSBL rank 3 for " + peer);
    s->pending.push_back(ps + "NOQUEUE: reject: RCPT from " + peer +
                         ": 550 5.7.1 Service unavailable; client [" + ip +
                         "] blocked using zen.spamhaus.org; from=<spammer@bad.test>, "
                         "to=<rcpt@example.com>, proto=ESMTP, helo=<bad.test>");
    s->pending.push_back(ps + "DISCONNECT " + peer);
    return;
  }
  const std::string client =
      roll == 9 || roll == 12 ? std::string("unknown[") + ip + "]"
                              : std::string("host") + std::to_string((n >> 24) % 5000) + "." +
                                    kDomains[(n >> 40) % 8] + "[" + ip + "]";
  if (roll == 9) {
    ++truth_.warnings;
    s->pending.push_back(smtpd + "warning: hostname dyn" + std::to_string((n >> 24) % 5000) +
                         ".isp.test does not resolve to address " + ip +
                         ": Name or service not known");
  }
  ++truth_.smtpd_connections;
  s->pending.push_back(smtpd + "connect from " + client);
  if (roll < 8) {
    // A relay attempt or an unknown user, refused at RCPT.
    ++truth_.noqueue_rejects;
    const bool relay = roll < 4;
    const std::string rcpt = relay ? "victim@elsewhere.test" : "nosuchuser@mx.example.com";
    s->pending.push_back(
        smtpd + "NOQUEUE: reject: RCPT from " + client + ": " +
        (relay ? "554 5.7.1 <" + rcpt + ">: Relay access denied"
               : "550 5.1.1 <" + rcpt +
                     ">: Recipient address rejected: User unknown in local recipient table") +
        "; from=<spammer@bad.test> to=<" + rcpt + "> proto=ESMTP helo=<bad.test>");
    s->pending.push_back(smtpd + "disconnect from " + client +
                         " ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4");
  } else if (roll == 8) {
    // Refused at CONNECT by an access table.
    ++truth_.noqueue_rejects;
    s->pending.push_back(smtpd + "NOQUEUE: reject: CONNECT from " + client + ": 554 5.7.1 <" +
                         client + ">: Client host rejected: Access denied; proto=SMTP");
    s->pending.push_back(smtpd + "disconnect from " + client + " commands=0/0");
  } else if (roll == 9) {
    // Refused at MAIL: the sender's domain does not exist.
    ++truth_.noqueue_rejects;
    s->pending.push_back(smtpd + "NOQUEUE: reject: MAIL from " + client +
                         ": 553 5.1.8 <spammer@nonexistent.invalid>: Sender address rejected: "
                         "Domain not found; from=<spammer@nonexistent.invalid> proto=ESMTP "
                         "helo=<bad.test>");
    s->pending.push_back(smtpd + "disconnect from " + client +
                         " ehlo=1 mail=0/1 quit=1 commands=2/3");
  } else {
    // roll 12: a password guesser.
    ++truth_.warnings;
    ++truth_.sasl_failures;
    s->pending.push_back(smtpd + "warning: " + client +
                         ": SASL LOGIN authentication failed: authentication failure");
    s->pending.push_back(smtpd + "lost connection after AUTH from " + client);
    s->pending.push_back(smtpd + "disconnect from " + client + " ehlo=1 auth=0/1 commands=1/2");
  }
}

void LogGenerator::StartSession() {
  Session s;
  const uint64_t n = rng_();
  const int pid = 1000 + static_cast<int>(n % 30000);
  const int roll = static_cast<int>((n >> 32) % 100);
  if (roll < 13) {
    StartRejectedSession(n, roll, &s);
    sessions_.push_back(std::move(s));
    return;
  }
  char ip[32];
  std::snprintf(ip, sizeof ip, "198.51.%d.%d", static_cast<int>((n >> 8) % 256),
                static_cast<int>((n >> 16) % 254 + 1));
  const std::string client = std::string("host") + std::to_string((n >> 24) % 5000) +
                             "." + kDomains[(n >> 40) % 8] + "[" + ip + "]";
  const std::string smtpd = "postfix/smtpd[" + std::to_string(pid) + "]: ";
  if ((n >> 56) % 4 == 0) {
    // A quarter of the clients pass postscreen first.
    const std::string ps = "postfix/postscreen[" + std::to_string(500 + n % 50) + "]: ";
    const std::string peer = std::string("[") + ip + "]:" + std::to_string(1024 + (n >> 4) % 60000);
    ++truth_.postscreen_connections;
    s.pending.push_back(ps + "CONNECT from " + peer + " to [192.0.2.25]:25");
    s.pending.push_back(ps + "PASS OLD " + peer);
  }
  ++truth_.smtpd_connections;
  s.pending.push_back(smtpd + "connect from " + client);
  const std::string qid = QueueId();
  const std::string sender = "user" + std::to_string((n >> 12) % 20000) + "@" +
                             kDomains[(n >> 44) % 8];
  const int nrcpt = 1 + static_cast<int>((n >> 50) % 3);
  const int size = 800 + static_cast<int>((n >> 20) % 60000);
  ++truth_.tls_inbound;
  s.pending.push_back(smtpd + "Anonymous TLS connection established from " + client + ": TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)");
  s.pending.push_back(smtpd + qid + ": client=" + client);
  if (roll == 13) {
    // header_checks refuses the message after DATA: it is never queued.
    ++truth_.cleanup_rejects;
    s.pending.push_back("postfix/cleanup[" + std::to_string(pid + 1) + "]: " + qid +
                        ": reject: header Subject: cheap pills from " + client + "; from=<" +
                        sender + "> to=<rcpt" + std::to_string(n % 50000) +
                        "@example.com> proto=ESMTP helo=<" + client.substr(0, client.find('[')) +
                        ">: 5.7.1 message content rejected");
    s.pending.push_back(smtpd + "disconnect from " + client +
                        " ehlo=1 starttls=1 mail=1 rcpt=1 data=0/1 quit=1 commands=5/6");
    sessions_.push_back(std::move(s));
    return;
  }
  ++truth_.messages;
  s.pending.push_back("postfix/cleanup[" + std::to_string(pid + 1) + "]: " + qid +
                      ": message-id=<" + std::to_string(serial_) + "." +
                      std::to_string(n % 100000) + "@" + kDomains[(n >> 40) % 8] + ">");
  s.pending.push_back("postfix/qmgr[999]: " + qid + ": from=<" + sender + ">, size=" +
                      std::to_string(size) + ", nrcpt=" + std::to_string(nrcpt) +
                      " (queue active)");
  s.pending.push_back(smtpd + "disconnect from " + client +
                      " ehlo=1 starttls=1 mail=1 rcpt=" + std::to_string(nrcpt) +
                      " data=1 quit=1 commands=" + std::to_string(5 + nrcpt));
  bool bounced_any = false;
  std::vector<std::string> rcpts;
  for (int r = 0; r < nrcpt; ++r) {
    const uint64_t m = rng_();
    const int outcome = static_cast<int>(m % 100);
    std::string rcpt = "rcpt" + std::to_string(m % 50000) + "@" + kDomains[(m >> 20) % 8];
    // cleanup drops a recipient given twice, so a message never lists one
    // address twice: make a repeated draw a different address.
    for (const std::string& earlier : rcpts) {
      if (earlier == rcpt) rcpt.insert(rcpt.find('@'), "+" + std::to_string(r));
    }
    rcpts.push_back(rcpt);
    const std::string smtp = "postfix/smtp[" + std::to_string(2000 + m % 3000) + "]: ";
    const std::string relay = std::string("mx.") + kDomains[(m >> 20) % 8] + "[203.0.113." +
                              std::to_string((m >> 30) % 250 + 1) + "]:25";
    if (outcome < 10) {
      ++truth_.deferrals;
      s.pending.push_back(smtp + qid + ": to=<" + rcpt + ">, relay=" + relay +
                          ", delay=1.2, delays=0.1/0.01/0.6/0.5, dsn=4.7.1, status=deferred (host " +
                          relay.substr(0, relay.size() - 3) +
                          " said: 451 4.7.1 Greylisted, try again later (in reply to RCPT TO command))");
    }
    if (outcome < 6) {
      ++truth_.recipients_bounced;
      bounced_any = true;
      s.pending.push_back(smtp + qid + ": to=<" + rcpt + ">, relay=" + relay +
                          ", delay=2.1, delays=0.1/0.01/0.9/1.1, dsn=5.1.1, status=bounced (host " +
                          relay.substr(0, relay.size() - 3) + " said: 550 5.1.1 <" + rcpt +
                          ">: Recipient address rejected: User unknown (in reply to RCPT TO command))");
    } else if (outcome < 20) {
      ++truth_.recipients_sent;
      s.pending.push_back("postfix/local[" + std::to_string(3000 + m % 100) + "]: " + qid +
                          ": to=<" + rcpt + ">, relay=local, delay=0.05, delays=0.02/0.01/0/0.02, dsn=2.0.0, status=sent (delivered to mailbox)");
    } else {
      ++truth_.recipients_sent;
      if ((m >> 40) % 2 == 0) {
        ++truth_.tls_outbound;
        s.pending.push_back(smtp + "Trusted TLS connection established to " + relay +
                            ": TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)");
      }
      s.pending.push_back(smtp + qid + ": to=<" + rcpt + ">, relay=" + relay +
                          ", delay=0.83, delays=0.1/0.01/0.32/0.4, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as " +
                          std::to_string(m % 99999) + "ABC)");
    }
  }
  if (bounced_any) {
    ++truth_.notices;
    const std::string notice = QueueId();
    s.pending.push_back("postfix/cleanup[" + std::to_string(pid + 1) + "]: " + notice +
                        ": message-id=<" + notice + "@mx.example.com>");
    s.pending.push_back("postfix/bounce[777]: " + qid + ": sender non-delivery notification: " + notice);
    if (!options_.never_finish) {
      s.pending.push_back("postfix/qmgr[999]: " + notice + ": from=<>, size=3000, nrcpt=1 (queue active)");
      s.pending.push_back("postfix/smtp[2999]: " + notice + ": to=<" + sender +
                          ">, relay=mx.example.org[203.0.113.9]:25, delay=0.3, delays=0/0/0.1/0.2, dsn=2.0.0, status=sent (250 2.0.0 Ok)");
      s.pending.push_back("postfix/qmgr[999]: " + notice + ": removed");
    }
  }
  if (!options_.never_finish) s.pending.push_back("postfix/qmgr[999]: " + qid + ": removed");
  sessions_.push_back(std::move(s));
}

bool LogGenerator::Next(std::string* line) {
  // Pick a random session in flight; when one runs dry, start another
  // (unless finishing: then the log ends when the last one runs dry).
  for (;;) {
    if (sessions_.empty()) return false;
    const size_t i = rng_() % sessions_.size();
    Session& s = sessions_[i];
    if (s.pending.empty()) {
      sessions_[i] = std::move(sessions_.back());
      sessions_.pop_back();
      if (!finishing_) StartSession();
      continue;
    }
    now_ += 0.0007;
    line->assign(Stamp());
    line->append(" mx.example.com ");
    line->append(s.pending.front());
    s.pending.pop_front();
    ++lines_;
    return true;
  }
}

}  // namespace mailgauge::bench

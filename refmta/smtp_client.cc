#include "refmta/smtp_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "refmta/network_list.h"

namespace mailgauge::refmta {
namespace {

struct Reply {
  int code = 0;      // 0: connection lost; -1: timed out
  std::string text;  // lines joined with a space
  std::vector<std::string> lines;  // each line's text after "250-"
};

class Connection {
 public:
  Connection(int fd, absl::Duration timeout) : fd_(fd), stream_(fd, timeout) {}
  ~Connection() {
    stream_.Close();  // before the descriptor is closed and reused
    close(fd_);
  }

  bool Send(absl::string_view data) { return stream_.Write(data); }

  Reply Read() {
    Reply r;
    for (;;) {
      size_t nl;
      while ((nl = buffer_.find('\n')) == std::string::npos) {
        if (buffer_.size() > 65536) return r;  // not SMTP: treat as lost
        char chunk[4096];
        ssize_t n = stream_.Read(chunk, sizeof(chunk));
        if (n < 0) {
          r.code = -1;
          return r;
        }
        if (n == 0) {
          r.code = 0;
          return r;
        }
        buffer_.append(chunk, static_cast<size_t>(n));
      }
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      int code = 0;
      if (line.size() < 3 || !absl::SimpleAtoi(line.substr(0, 3), &code) || code < 100 ||
          code > 599) {
        r.code = 0;
        return r;
      }
      absl::StrAppend(&r.text, r.text.empty() ? "" : " ", line);
      r.lines.push_back(line.size() > 4 ? line.substr(4) : "");
      if (line.size() == 3 || line[3] != '-') {
        r.code = code;
        return r;
      }
    }
  }

  // RFC 3207: what was read before the handshake is dropped.
  bool StartTls(const TlsContext& context, std::string* error) {
    buffer_.clear();
    return stream_.StartTls(context, TlsRole::kClient, error);
  }
  const SmtpStream& stream() const { return stream_; }

 private:
  const int fd_;
  SmtpStream stream_;
  std::string buffer_;
};

// Whether an EHLO reply lists `keyword` (case-insensitive, first word).
bool Offers(const Reply& ehlo, absl::string_view keyword) {
  for (size_t i = 1; i < ehlo.lines.size(); ++i) {
    absl::string_view l = ehlo.lines[i];
    if (absl::EqualsIgnoreCase(l.substr(0, l.find(' ')), keyword)) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<SmtpNextHop> ParseNextHop(absl::string_view text) {
  SmtpNextHop hop;
  absl::string_view host = text;
  absl::string_view port;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("bad next hop \"", text, "\""));
    }
    host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') {
        return absl::InvalidArgumentError(absl::StrCat("bad next hop \"", text, "\""));
      }
      port = text.substr(close + 2);
    }
  } else {
    size_t colon = text.rfind(':');
    if (colon != absl::string_view::npos && text.find(':') == colon) {
      host = text.substr(0, colon);
      port = text.substr(colon + 1);
    }
  }
  hop.name = std::string(host);
  hop.address = std::string(host);
  if (!port.empty() && (!absl::SimpleAtoi(port, &hop.port) || hop.port <= 0 || hop.port > 65535)) {
    return absl::InvalidArgumentError(absl::StrCat("bad port in next hop \"", text, "\""));
  }
  auto loopback = NetworkList::Parse({"127.0.0.0/8", "[::1]/128"});
  if (!loopback.ok() || !loopback->Contains(hop.address)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "next hop \"", text, "\" is not a numeric loopback address; refmta stays on this host"));
  }
  return hop;
}

std::string DsnOfReply(absl::string_view reply) {
  if (reply.size() >= 9 && reply[3] == ' ' && (reply[4] == '2' || reply[4] == '4' ||
                                               reply[4] == '5') && reply[5] == '.') {
    size_t end = reply.find(' ', 4);
    absl::string_view dsn = reply.substr(4, end == absl::string_view::npos ? end : end - 4);
    int dots = 0;
    bool ok = true;
    for (char c : dsn) {
      if (c == '.') {
        ++dots;
      } else if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
        ok = false;
      }
    }
    if (ok && dots == 2) return std::string(dsn);
  }
  char cls = reply.empty() ? '4' : reply[0];
  if (cls != '2' && cls != '4' && cls != '5') cls = '4';
  return absl::StrCat(std::string(1, cls), ".0.0");
}

SmtpDeliveryResult SendMessageViaSmtp(const SmtpNextHop& hop, absl::string_view helo_name,
                                      absl::string_view sender,
                                      const std::vector<std::string>& recipients,
                                      absl::string_view content, absl::Duration timeout,
                                      const std::function<absl::Time()>& clock,
                                      const TlsContext* tls) {
  SmtpDeliveryResult result;
  const std::string namaddr = absl::StrCat(hop.name, "[", hop.address, "]");
  std::vector<bool> decided(recipients.size(), false);
  for (const std::string& r : recipients) result.recipients.push_back({r, "", "", ""});
  auto set = [&](size_t i, absl::string_view dsn, absl::string_view reason) {
    SmtpRecipientResult& r = result.recipients[i];
    r.dsn = std::string(dsn);
    r.status = dsn[0] == '2' ? "sent" : dsn[0] == '5' ? "bounced" : "deferred";
    r.reason = std::string(reason);
    decided[i] = true;
  };
  auto set_undecided = [&](absl::string_view dsn, absl::string_view reason) {
    for (size_t i = 0; i < recipients.size(); ++i) {
      if (!decided[i]) set(i, dsn, reason);
    }
  };

  bool v6 = hop.address.find(':') != std::string::npos;
  int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_storage ss{};
  socklen_t len;
  if (v6) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(static_cast<uint16_t>(hop.port));
    inet_pton(AF_INET6, hop.address.c_str(), &sin6->sin6_addr);
    len = sizeof(*sin6);
  } else {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(static_cast<uint16_t>(hop.port));
    inet_pton(AF_INET, hop.address.c_str(), &sin->sin_addr);
    len = sizeof(*sin);
  }
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    // smtp_connect.c: dsb_simple(why, "4.4.1", "connect to %s[%s]:%d: %m", ...)
    std::string why = std::strerror(errno);
    if (fd >= 0) close(fd);
    result.relay = "none";
    set_undecided("4.4.1", absl::StrCat("connect to ", namaddr, ":", hop.port, ": ", why));
    return result;
  }
  result.relay = absl::StrCat(namaddr, ":", hop.port);
  Connection c(fd, timeout);
  // smtp_trouble.c: "lost connection with %s while %s",
  // "conversation with %s timed out while %s".
  auto trouble = [&](const Reply& r, absl::string_view while_doing) {
    set_undecided("4.4.2", r.code < 0 ? absl::StrCat("conversation with ", namaddr,
                                                     " timed out while ", while_doing)
                                      : absl::StrCat("lost connection with ", namaddr,
                                                     " while ", while_doing));
  };
  auto said = [&](const Reply& r, absl::string_view in_reply_to) {
    return absl::StrCat("host ", namaddr, " said: ", r.text, " (in reply to ", in_reply_to,
                        ")");
  };

  Reply greeting = c.Read();
  if (greeting.code <= 0) {
    trouble(greeting, "receiving the initial server greeting");
    return result;
  }
  if (greeting.code != 220) {
    // smtp_proto.c: "host %s refused to talk to me: %s"
    set_undecided(DsnOfReply(greeting.text),
                  absl::StrCat("host ", namaddr, " refused to talk to me: ", greeting.text));
    return result;
  }
  Reply ehlo;
  if (!c.Send(absl::StrCat("EHLO ", helo_name, "\r\n")) || (ehlo = c.Read()).code <= 0) {
    trouble(ehlo, "performing the EHLO handshake");
    return result;
  }
  if (tls != nullptr && ehlo.code / 100 == 2 && Offers(ehlo, "STARTTLS")) {
    // smtp_security_level "may": use TLS when offered; when the server
    // declines STARTTLS, carry on in clear text (smtp_proto.c).
    Reply starttls;
    if (!c.Send("STARTTLS\r\n") || (starttls = c.Read()).code <= 0) {
      trouble(starttls, "sending STARTTLS");
      return result;
    }
    if (starttls.code == 220) {
      std::string error;
      if (!c.StartTls(*tls, &error)) {
        // smtp_proto.c: "Cannot start TLS: handshake failure".
        set_undecided("4.7.5", "Cannot start TLS: handshake failure");
        return result;
      }
      result.tls_summary = TlsConnectionSummary(c.stream(), TlsRole::kClient,
                                                absl::StrCat(namaddr, ":", hop.port));
      // RFC 3207: EHLO again over TLS.
      if (!c.Send(absl::StrCat("EHLO ", helo_name, "\r\n")) || (ehlo = c.Read()).code <= 0) {
        trouble(ehlo, "performing the EHLO handshake");
        return result;
      }
    }
  }
  if (ehlo.code / 100 != 2) {
    Reply helo;
    if (!c.Send(absl::StrCat("HELO ", helo_name, "\r\n")) || (helo = c.Read()).code <= 0) {
      trouble(helo, "performing the HELO handshake");
      return result;
    }
    if (helo.code / 100 != 2) {
      set_undecided(DsnOfReply(helo.text),
                    absl::StrCat("host ", namaddr, " refused to talk to me: ", helo.text));
      return result;
    }
  }
  result.conn_setup_done = clock();

  Reply mail;
  if (!c.Send(absl::StrCat("MAIL FROM:<", sender, ">\r\n")) || (mail = c.Read()).code <= 0) {
    trouble(mail, "sending MAIL FROM");
    return result;
  }
  if (mail.code / 100 != 2) {
    set_undecided(DsnOfReply(mail.text), said(mail, "MAIL FROM command"));
    c.Send("QUIT\r\n");
    return result;
  }
  std::vector<size_t> accepted;
  for (size_t i = 0; i < recipients.size(); ++i) {
    Reply rcpt;
    if (!c.Send(absl::StrCat("RCPT TO:<", recipients[i], ">\r\n")) ||
        (rcpt = c.Read()).code <= 0) {
      trouble(rcpt, "sending RCPT TO");
      return result;
    }
    if (rcpt.code / 100 == 2) {
      accepted.push_back(i);
    } else {
      set(i, DsnOfReply(rcpt.text), said(rcpt, "RCPT TO command"));
    }
  }
  if (accepted.empty()) {
    c.Send("QUIT\r\n");
    return result;
  }
  Reply data;
  if (!c.Send("DATA\r\n") || (data = c.Read()).code <= 0) {
    trouble(data, "sending DATA command");
    return result;
  }
  if (data.code != 354) {
    set_undecided(DsnOfReply(data.text), said(data, "DATA command"));
    c.Send("QUIT\r\n");
    return result;
  }
  std::string wire;
  size_t pos = 0;
  while (pos < content.size()) {
    size_t nl = content.find('\n', pos);
    size_t end = nl == absl::string_view::npos ? content.size() : nl;
    absl::string_view line = content.substr(pos, end - pos);
    if (!line.empty() && line.front() == '.') wire.push_back('.');
    absl::StrAppend(&wire, line, "\r\n");
    pos = end + 1;
  }
  wire += ".\r\n";
  Reply eod;
  if (!c.Send(wire) || (eod = c.Read()).code <= 0) {
    trouble(eod, "sending end of data -- message may be sent more than once");
    return result;
  }
  if (eod.code / 100 == 2) {
    set_undecided(DsnOfReply(eod.text), eod.text);
  } else {
    set_undecided(DsnOfReply(eod.text), said(eod, "end of DATA command"));
  }
  c.Send("QUIT\r\n");
  c.Read();
  return result;
}

}  // namespace mailgauge::refmta

// File: cli/report_command.h
// `mailgauge report [OPTIONS] [FILE...|-]`: the pflogsumm-style daily report
// (text, JSON or HTML) from Postfix logs and/or JSON summaries (--merge);
// see docs/report.md.
//
//   mailgauge report -d yesterday /var/log/mail.log.1 /var/log/mail.log
//   mailgauge report --format json mail.log > host1.json
//   mailgauge report --merge host1.json --merge host2.json
#ifndef MAILGAUGE_CLI_REPORT_COMMAND_H_
#define MAILGAUGE_CLI_REPORT_COMMAND_H_

namespace mailgauge::cli {

// Runs the command on argv[first..argc); returns the process exit code.
int ReportCommand(int argc, char** argv, int first);

}  // namespace mailgauge::cli

#endif  // MAILGAUGE_CLI_REPORT_COMMAND_H_

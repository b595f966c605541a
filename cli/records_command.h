// File: cli/records_command.h
// `mailgauge records [OPTIONS] [FILE...|-]`: one JSON object per finished
// message (JSON Lines) on stdout; see docs/records.md.
#ifndef MAILGAUGE_CLI_RECORDS_COMMAND_H_
#define MAILGAUGE_CLI_RECORDS_COMMAND_H_

namespace mailgauge::cli {

// Runs the command on argv[first..argc); returns the process exit code.
int RecordsCommand(int argc, char** argv, int first);

}  // namespace mailgauge::cli

#endif  // MAILGAUGE_CLI_RECORDS_COMMAND_H_

#include "cli/input_flags.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mailgauge::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

absl::StatusOr<analyzer::LogInputOptions> FromArgv(std::vector<std::string> argv) {
  Args args("records");
  AddInputFlags(&args);
  std::vector<char*> ptrs;
  for (std::string& a : argv) ptrs.push_back(a.data());
  absl::Status s = args.Parse(static_cast<int>(ptrs.size()), ptrs.data(), 0);
  if (!s.ok()) return s;
  return InputOptionsFromFlags(args);
}

TEST(InputFlagsTest, NoJournalFlagsReadFiles) {
  auto o = FromArgv({"mail.log"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_FALSE(o->journal.has_value());
}

TEST(InputFlagsTest, JournalSources) {
  auto local = FromArgv({"--journal"});
  ASSERT_TRUE(local.ok()) << local.status();
  ASSERT_TRUE(local->journal.has_value());
  EXPECT_EQ(parsers::JournalSource::kLocal, local->journal->source);
  EXPECT_TRUE(local->journal->units.empty());

  auto dir = FromArgv({"--journal-dir", "/var/log/journal", "--journal-unit", "postfix@-",
                       "--journal-unit=postfix@postfix-out"});
  ASSERT_TRUE(dir.ok()) << dir.status();
  EXPECT_EQ(parsers::JournalSource::kDirectory, dir->journal->source);
  EXPECT_EQ("/var/log/journal", dir->journal->directory);
  EXPECT_THAT(dir->journal->units, ElementsAre("postfix@-", "postfix@postfix-out"));
  EXPECT_TRUE(dir->journal->slices.empty());

  auto slice = FromArgv({"--journal", "--journal-slice", "system-postfix.slice"});
  ASSERT_TRUE(slice.ok()) << slice.status();
  EXPECT_THAT(slice->journal->slices, ElementsAre("system-postfix.slice"));

  auto files = FromArgv({"--journal-file", "a.journal", "--journal-file", "b.journal",
                         "--journal-all", "--timezone", "UTC", "--since",
                         "2026-11-25 10:00", "--until", "2026-11-25T11:00:00+01:00"});
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_EQ(parsers::JournalSource::kFiles, files->journal->source);
  EXPECT_THAT(files->journal->files, ElementsAre("a.journal", "b.journal"));
  EXPECT_TRUE(files->journal->all_entries);
  ASSERT_TRUE(files->journal->since && files->journal->until);
  EXPECT_EQ(absl::FromCivil(absl::CivilSecond(2026, 11, 25, 10, 0, 0), absl::UTCTimeZone()),
            *files->journal->since);
  EXPECT_EQ(*files->journal->since, *files->journal->until);
}

TEST(InputFlagsTest, Conflicts) {
  for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
           {"--journal", "--journal-dir", "/d"},
           {"--journal-file", "a.journal", "mail.log"},
           {"--journal-unit", "postfix@-"},
           {"--since", "today", "mail.log"},
           {"--journal", "--journal-unit", "x", "--journal-all"},
           {"--journal", "--journal-slice", "x.slice", "--journal-all"},
           {"--journal-slice", "x.slice"},
           {"--journal", "--since", "2026-11-26", "--until", "2026-11-25"},
           {"--journal", "--until", "sometime"},
       }) {
    auto o = FromArgv(argv);
    EXPECT_FALSE(o.ok()) << argv[0] << " " << argv[1];
    EXPECT_EQ(absl::StatusCode::kInvalidArgument, o.status().code()) << o.status();
  }
  EXPECT_THAT(std::string(FromArgv({"--journal-unit", "postfix@-"}).status().message()),
              HasSubstr("--journal-unit needs a journal"));
}

TEST(ParseJournalTimeTest, Forms) {
  absl::TimeZone berlin;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Berlin", &berlin));
  const absl::Time now =
      absl::FromCivil(absl::CivilSecond(2026, 11, 25, 17, 58, 9), absl::UTCTimeZone());
  auto at = [&](const char* text) {
    absl::StatusOr<absl::Time> t = ParseJournalTime(text, berlin, now);
    EXPECT_TRUE(t.ok()) << text << ": " << t.status();
    return t.ok() ? absl::FormatTime("%Y-%m-%dT%H:%M:%E*S%Ez", *t, absl::UTCTimeZone())
                  : std::string("error");
  };
  EXPECT_EQ("2026-11-24T23:00:00+00:00", at("2026-11-25"));
  EXPECT_EQ("2026-11-25T09:00:00+00:00", at("2026-11-25 10:00"));
  EXPECT_EQ("2026-11-25T09:00:30+00:00", at("2026-11-25 10:00:30"));
  EXPECT_EQ("2026-11-25T09:00:30.5+00:00", at("2026-11-25T10:00:30.5"));
  EXPECT_EQ("2026-11-25T10:00:00+00:00", at("2026-11-25T11:00:00+01:00"));
  EXPECT_EQ("2026-11-25T10:00:00+00:00", at("2026-11-25T10:00:00Z"));
  EXPECT_EQ("2026-11-25T17:58:09+00:00", at("now"));
  EXPECT_EQ("2026-11-24T23:00:00+00:00", at("today"));
  EXPECT_EQ("2026-11-23T23:00:00+00:00", at("yesterday"));
  EXPECT_EQ("2026-11-25T15:58:09+00:00", at("-2h"));
  EXPECT_EQ("2026-11-25T17:58:09+00:00", at("@1795629489"));
  for (const char* bad : {"", "2026-13-01", "tomorrowish", "-", "@", "@12x", "10:00"}) {
    EXPECT_FALSE(ParseJournalTime(bad, berlin, now).ok()) << bad;
  }
}

}  // namespace
}  // namespace mailgauge::cli

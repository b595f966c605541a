"""mailgauge_fuzz_target: one libFuzzer target, its corpus replay test, its binary."""

load("@rules_cc//cc:defs.bzl", "cc_binary", "cc_library", "cc_test")

def mailgauge_fuzz_target(name, srcs, deps, size = "small"):
    """Declares the three targets of fuzz target `name`.

    <name>_fuzz_lib      the target's LLVMFuzzerTestOneInput (alwayslink).
    <name>_replay_test   runs it on every file of corpus/<name>/ with
                         replay_main.cc; part of plain `bazel test //...`.
    <name>_fuzzer        with --config=fuzz, a libFuzzer binary (clang-14,
                         ASan+UBSan); otherwise the same replayer, so that
                         `bazel build //...` builds it with gcc too.

    Args:
      name: the corpus directory's name under fuzz/corpus/.
      srcs: the fuzz target's source (one .cc).
      deps: the libraries it exercises.
      size: the replay test's size.
    """
    cc_library(
        name = name + "_fuzz_lib",
        testonly = True,
        srcs = srcs,
        deps = deps + [":fuzz_check"],
        alwayslink = True,
    )
    corpus = native.glob(["corpus/" + name + "/**"])
    cc_test(
        name = name + "_replay_test",
        size = size,
        args = ["fuzz/corpus/" + name],
        data = corpus,
        deps = [
            ":" + name + "_fuzz_lib",
            ":replay_main",
        ],
    )
    cc_binary(
        name = name + "_fuzzer",
        testonly = True,
        linkopts = select({
            ":fuzz_build": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        deps = [":" + name + "_fuzz_lib"] + select({
            ":fuzz_build": [],
            "//conditions:default": [":replay_main"],
        }),
    )

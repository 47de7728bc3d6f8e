package ddpm4j.cli;

import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --device} as a user types it: devices this build or machine lacks are one-line usage errors. */
class DeviceCliTest {
    @TempDir
    Path dir;

    private void expectRejected(String expected, String... args) {
        Path out = dir.resolve("x.png");
        java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of("sample", "--model", CliTest.MODEL, "--steps", "2",
                "--n", "1", "--out", out.toString()));
        all.addAll(java.util.List.of(args));
        Cli r = Cli.run(all.toArray(new String[0]));
        assertEquals(2, r.exit, r.toString());
        assertEquals(1, r.err.strip().lines().count(), r.toString());
        assertTrue(r.err.startsWith("ddpm4j: ") && r.err.contains(expected), r.toString());
        assertFalse(Files.exists(out), "no output on a refused device");
    }

    @Test
    void cudaOnTheCpuBuildIsAOneLineError() {
        Assumptions.assumeFalse(torch.hasCUDA(), "a CUDA build");
        expectRejected("this build of ddpm4j has no CUDA", "--device", "cuda");
        expectRejected("this build of ddpm4j has no CUDA", "--device", "cuda:1");
    }

    @Test
    void unknownDevicesAndFp16OnTheCpuAreRefused() {
        expectRejected("unknown device 'gpu'", "--device", "gpu");
        expectRejected("unknown device 'cpu:0'", "--device", "cpu:0");
        expectRejected("meta device holds no values", "--device", "meta");
        expectRejected("fp16 runs on CUDA devices only", "--precision", "fp16");
    }
}

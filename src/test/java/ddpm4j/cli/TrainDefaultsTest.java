package ddpm4j.cli;

import ddpm4j.train.TrainSettings;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code train}'s defaults are {@link TrainSettings#DEFAULTS}: written once, shown in --help as used. */
class TrainDefaultsTest {
    private static TrainCommand parsed(String... args) {
        TrainCommand c = new TrainCommand();
        new CommandLine(c).parseArgs(args);
        return c;
    }

    @Test
    void withoutOptionsTrainUsesTheLibrarysDefaults() {
        TrainSettings got = parsed("--data", "cifar10:train", "--out", "/tmp/unused").settings();
        // no label dropout without --class-conditional; flips are on for CIFAR-10, as the default has them
        assertEquals(TrainSettings.DEFAULTS.toBuilder().labelDropout(0).build(), got);
        assertEquals(TrainSettings.DEFAULTS.labelDropout(),
                parsed("--data", "cifar10:train", "--out", "/tmp/unused", "--class-conditional").settings().labelDropout());
        assertEquals(TrainSettings.paper(100_000).toBuilder().labelDropout(0).build(), got, "the paper's recipe");
    }

    @Test
    void theHelpShowsTheDefaultsThatAreUsed() {
        String help = new CommandLine(new TrainCommand()).getUsageMessage(CommandLine.Help.Ansi.OFF).replaceAll("\\s+", " ");
        TrainSettings d = TrainSettings.DEFAULTS;
        for (String shown : new String[] {"--lr=LR Adam learning rate (default: 2e-4)", "(default: " + d.checkpointEvery() + ")",
                "Images per sample grid (default: " + d.sampleCount() + ")", "(default: " + d.logEvery() + ")",
                "Adam betas, two numbers (default: 0.9,0.999)", "Beta start and end, two numbers (default: 1e-4, 0.02)",
                "(default: fixed_large)", "Optimizer steps (default: " + d.steps() + ";"}) {
            assertTrue(help.contains(shown), shown + " in\n" + help);
        }
    }

    @Test
    void aGivenOptionOverridesItsDefaultAndOnlyGivenOnesChangeAResumedRun() {
        TrainCommand c = parsed("--data", "fashion-mnist:train", "--out", "/tmp/unused", "--lr", "1e-3", "--steps", "20");
        TrainSettings s = c.settings();
        assertEquals(1e-3, s.lr());
        assertEquals(20, s.steps());
        assertEquals(false, s.hflip(), "fashion-mnist images face one way");
        assertEquals(TrainSettings.DEFAULTS.warmup(), s.warmup());
        assertEquals(new TrainSettings.Changes(20L, null, null, null, null), c.changes());
        assertEquals(new TrainSettings.Changes(null, null, null, null, null), parsed("--data", "x.npy", "--out", "/tmp/unused").changes());
    }

    @Test
    void aRecipeSetsWhatIsNotGivenAndTheGivenOptionsWin() {
        String[] base = {"--data", "fashion-mnist:train", "--out", "/tmp/unused"};
        TrainSettings paper = parsed(base).settings();
        assertEquals(paper, parsed(concat(base, "--recipe", "paper")).settings(), "paper is the default");
        TrainSettings fast = parsed(concat(base, "--recipe", "fast")).settings();
        assertEquals(ddpm4j.train.Recipe.FAST.settings.toBuilder().hflip(false).labelDropout(0).build(), fast);
        assertEquals("simple", fast.objective());
        assertEquals(5.0, fast.minSnrGamma());
        assertEquals(1e-3, fast.lr());
        assertEquals(100, fast.warmup());
        assertEquals(0.999, fast.emaDecay());
        assertTrue(fast.emaWarmup());
        TrainSettings overridden = parsed(concat(base, "--recipe", "fast", "--lr", "5e-4", "--no-ema-warmup", "--min-snr-gamma", "1",
                "--ema-decay", "0.9999")).settings();
        assertEquals(5e-4, overridden.lr());
        assertEquals(false, overridden.emaWarmup());
        assertEquals(1.0, overridden.minSnrGamma());
        assertEquals(0.9999, overridden.emaDecay());
        assertEquals(100, overridden.warmup(), "the recipe's where not given");
        TrainSettings edm = parsed(concat(base, "--recipe", "fast", "--objective", "edm")).settings();
        assertEquals("edm", edm.objective());
        assertEquals(null, edm.minSnrGamma(), "the recipe's min-SNR weighting is the β-process loss's; EDM weights by λ(σ)");
        assertEquals(1e-3, edm.lr());
        UserException e = org.junit.jupiter.api.Assertions.assertThrows(UserException.class,
                () -> parsed(concat(base, "--recipe", "quick")).settings());
        assertTrue(e.getMessage().contains("unknown recipe 'quick' (known: paper, fast)"), e.getMessage());
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void numbersAreShownAsTheyAreTyped() {
        assertEquals("2e-4", TrainCommand.Defaults.number(2e-4));
        assertEquals("1", TrainCommand.Defaults.number(1.0));
        assertEquals("0.9999", TrainCommand.Defaults.number(0.9999));
        assertEquals("1e-8", TrainCommand.Defaults.number(1e-8));
    }
}

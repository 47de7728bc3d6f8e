package ddpm4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ddpm4j eval}: measurements of a model. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Measure a model: bpd (the likelihood bound), fid and is (sample quality with Inception or a judge),"
                + " stats (FID reference statistics), judge (train the judge).",
        subcommands = {EvalBpdCommand.class, EvalFidCommand.class, EvalIsCommand.class, EvalStatsCommand.class,
                EvalJudgeCommand.class})
final class EvalCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "choose what to measure: bpd, fid, is, stats or judge");
    }
}

package ddpm4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ddpm4j export}: a model's network in another format. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write a model's network in a format other runtimes read: onnx (ONNX Runtime, onnxruntime-web, TensorRT, OpenVINO).",
        subcommands = {ExportOnnxCommand.class})
final class ExportCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "choose a format: onnx");
    }
}

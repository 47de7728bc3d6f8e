package ddpm4j.cli;

import ddpm4j.io.Model;
import ddpm4j.serve.ServeLimits;
import ddpm4j.serve.ServedModel;
import ddpm4j.serve.Server;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code ddpm4j serve}: an HTTP service and web page over model directories, the models loaded once. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve models over HTTP with a web page: one JVM, the models loaded once, concurrent requests with the same"
                + " settings sampled together.",
                "POST /v1/generate {\"n\":4,\"seed\":1,\"steps\":10,\"format\":\"npy\"} gives the bytes 'ddpm4j sample --n 4 --seed 1"
                        + " --steps 10 --out x.npy' writes; also /v1/img2img, /v1/inpaint, GET /v1/models; the page is at /."
                        + " Stops on Ctrl-C or SIGTERM, answering the requests already running."})
final class ServeCommand implements Callable<Integer> {
    @Mixin
    Options options;

    @Option(names = "--model", required = true, paramLabel = "[NAME=]DIR",
            description = "A model directory or built-in model to serve, optionally named (default name: the directory's); repeatable.")
    List<String> models;

    @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "HOST",
            description = "The address to listen on; 0.0.0.0 opens the service to the network (default: ${DEFAULT-VALUE}, this machine only).")
    String host;

    @Option(names = "--port", defaultValue = "8080", paramLabel = "P", description = "The port, 0 for any free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--max-images", paramLabel = "N", description = "Images one request may ask for (default: " + 64 + ").")
    Integer maxImages;

    @Option(names = "--batch-images", paramLabel = "B", description = "Images sampled together in one network call (default: 16).")
    Integer batchImages;

    @Option(names = "--queue", paramLabel = "N", description = "Requests waiting or running per model before 503 (default: 32).")
    Integer queue;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "A request's time limit, waiting included, before 504 (default: 300).")
    Integer timeout;

    // --precision (Options) is what a request's "precision": "auto" means; auto keeps the CLI's rule: fp32 for sampling.

    @Override
    public Integer call() throws Exception {
        Checks.atLeast("--port", port, 0);
        if (port > 65535) {
            throw new UserException("--port must be at most 65535, got " + port);
        }
        Checks.atLeast("--max-images", maxImages, 1);
        Checks.atLeast("--batch-images", batchImages, 1);
        Checks.atLeast("--queue", queue, 1);
        Checks.atLeast("--timeout", timeout, 1);
        ServeLimits d = ServeLimits.DEFAULT;
        ServeLimits limits = new ServeLimits(maxImages != null ? maxImages : d.maxImages(), d.maxPasses(), d.maxBodyBytes(),
                queue != null ? queue : d.queueLimit(), batchImages != null ? batchImages : d.batchImages(),
                timeout != null ? Duration.ofSeconds(timeout) : d.timeout());
        List<String[]> named = new ArrayList<>();
        for (String spec : models) {
            int eq = spec.indexOf('=');
            String dir = eq > 0 ? spec.substring(eq + 1) : spec;
            Path p = Path.of(dir);
            String name = eq > 0 ? spec.substring(0, eq) : p.getFileName() == null ? dir : p.getFileName().toString();
            if (name.isEmpty() || !name.matches("[A-Za-z0-9._-]+")) {
                throw new UserException("--model: a model's name is letters, digits, '.', '_' and '-', got '" + name + "'");
            }
            for (String[] n : named) {
                if (n[0].equals(name)) {
                    throw new UserException("--model: two models are called '" + name + "'; name them: --model NAME=DIR");
                }
            }
            named.add(new String[] {name, dir});
        }
        options.apply();
        List<ServedModel> served = new ArrayList<>();
        Server[] running = new Server[1];
        try {
            for (String[] n : named) {
                Model m = ModelOption.load(Path.of(n[1]), options.device());
                served.add(new ServedModel(n[0], n[1], m));
            }
            Server server;
            try {
                server = Server.start(served, host, port, limits, options.requestedPrecision());
                running[0] = server;
            } catch (java.net.BindException e) {
                throw new UserException("cannot listen on " + host + ":" + port + " (" + e.getMessage() + ")");
            } catch (java.io.IOException e) {
                throw new UserException("cannot listen on " + host + ":" + port + " (" + ddpm4j.io.IoErrors.describe(e) + ")");
            }
            CountDownLatch stopped = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                System.err.println("ddpm4j: stopping: finishing the requests already running");
                server.close();
                stopped.countDown();
            }, "ddpm4j-serve-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            System.err.println("ddpm4j: serving " + String.join(", ", served.stream().map(ServedModel::name).toList()) + " at "
                    + server.url() + " (Ctrl-C to stop)");
            stopped.await();
        } finally {
            if (running[0] == null || running[0].idle()) { // a model still sampling past its time limit is left to the exit
                served.forEach(m -> m.model().close());
            }
        }
        return 0;
    }
}

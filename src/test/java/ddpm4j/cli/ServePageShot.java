package ddpm4j.cli;

import ddpm4j.io.Model;
import ddpm4j.serve.ServeLimits;
import ddpm4j.serve.ServedModel;
import ddpm4j.serve.Server;
import ddpm4j.torch.Device;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The README's picture of the web page: serves the built-in model, lets the page generate and inpaint by itself
 * (the steps of ServePageTest) in headless chromium, and writes a screenshot. Run by bench/serve-page-shot.sh.
 */
public final class ServePageShot {
    private ServePageShot() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "docs/serve/page.png");
        Main.loadNatives();
        Path profile = Files.createTempDirectory("ddpm4j-shot");
        try (Model m = ModelOption.load(Path.of("fashion-mnist"), Device.CPU);
             Server s = Server.start(List.of(new ServedModel("fashion-mnist", "fashion-mnist", m)), "127.0.0.1", 0, ServeLimits.DEFAULT);
             HeadlessChromium page = HeadlessChromium.open(s.url(), profile)) {
            ServePageTest.useThePage(page, null);
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.write(out, page.screenshot(1000, 760));
        }
        System.err.println("wrote " + out);
        System.exit(0);
    }
}

package ddpm4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import ddpm4j.io.Model;
import ddpm4j.serve.ServeLimits;
import ddpm4j.serve.ServedModel;
import ddpm4j.serve.Server;
import ddpm4j.torch.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The web page of {@code serve} in a real headless browser (Debian's chromium, which .ci/run installs), driven as a user
 * drives it, with mouse and keyboard input through the DevTools protocol: generate, pick a result, paint a stroke on the
 * canvas and inpaint it, upload an image of another size and edit it image-to-image.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ServePageTest {
    @TempDir
    Path dir;

    /** Drives the page through a session; the screenshot tool (ServePageShot) takes the same steps. */
    static void useThePage(HeadlessChromium page, Path upload) throws Exception {
        page.await("document.body.dataset.ready === 'true'", 60);
        page.type("#n", "2");
        page.type("#steps", "5");
        page.click("#generate");
        page.await("document.querySelectorAll('#results img.result').length === 2", 120);
        page.click("#results img.result:last-of-type");
        page.drag("#paint", 0.25, 0.5, 0.75, 0.5);
        page.type("#inpaintSteps", "5");
        page.click("#inpaint");
        page.await("document.querySelectorAll('#results img.result').length === 3", 120);
        if (upload != null) {
            page.upload("#upload", upload);
            page.await("document.querySelector('#results img.upload.selected')", 30);
            page.click("#img2img");
            page.await("document.querySelectorAll('#results img.result').length === 4", 120);
        }
    }

    @Test
    void aUserGeneratesInpaintsAPaintedStrokeAndEditsAnUpload() throws Exception {
        if (System.getenv("CI") == null) {
            assumeTrue(HeadlessChromium.installed(), "chromium is not installed (apt-get install chromium; .ci/run does)");
        }
        Path upload = dir.resolve("upload.png");
        BufferedImage wide = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 40; x++) {
                wide.setRGB(x, y, x > 12 && x < 28 ? 0xd0d0d0 : 0);
            }
        }
        ImageIO.write(wide, "png", upload.toFile());
        try (Model m = ModelOption.load(Path.of("fashion-mnist"), Device.CPU);
             Server s = Server.start(List.of(new ServedModel("fashion-mnist", "fashion-mnist", m)), "127.0.0.1", 0, ServeLimits.DEFAULT);
             HeadlessChromium page = HeadlessChromium.open(s.url(), dir)) {
            useThePage(page, upload);
            assertEquals("done", page.evaluate("document.body.dataset.status").asText(), page.evaluate("document.getElementById('status').textContent").asText());
            JsonNode sizes = page.evaluate("[...document.querySelectorAll('#results img')].map(i => [i.naturalWidth, i.naturalHeight])");
            assertEquals(5, sizes.size(), "2 generated, 1 inpainted, the upload at the model's size, 1 edited: " + sizes);
            for (JsonNode wh : sizes) {
                assertEquals("[28,28]", wh.toString(), sizes.toString());
            }
            assertTrue(page.evaluate("document.getElementById('command').textContent").asText().contains("ddpm4j edit img2img --model fashion-mnist"));
            JsonNode stats = page.evaluate("fetch('/v1/stats').then(r => r.json())");
            assertEquals(3, stats.path("fashion-mnist").path("requests").asInt(), "generate, inpaint and img2img: " + stats);
            // the inpainted image keeps the unpainted pixels of the picked one and redoes the painted stripe
            JsonNode diff = page.evaluate("(() => { const px = img => { const c = document.createElement('canvas'); c.width = c.height = 28;"
                    + " const g = c.getContext('2d'); g.drawImage(img, 0, 0); return g.getImageData(0, 0, 28, 28).data; };"
                    + " const r = [...document.querySelectorAll('#results img.result')]; const a = px(r[r.length - 1]), b = px(r[1]);"
                    + " let kept = 0, changed = 0; for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) { const i = 4 * (y * 28 + x);"
                    + " if (Math.abs(y - 14) > 4) kept += Math.abs(a[i] - b[i]); else changed += Math.abs(a[i] - b[i]); } return [kept, changed]; })()");
            assertEquals(0, diff.get(0).asInt(), "pixels outside the stroke kept: " + diff);
            assertTrue(diff.get(1).asInt() > 0, "the painted stripe was redone: " + diff);
        }
    }
}

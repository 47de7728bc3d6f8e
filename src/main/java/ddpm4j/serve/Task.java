package ddpm4j.serve;

import com.fasterxml.jackson.databind.node.ObjectNode;
import ddpm4j.sample.Editing;
import ddpm4j.sample.Sampler;
import ddpm4j.torch.Precision;

/**
 * One request, read and checked: what to run, on which images, and how to answer.
 *
 * @param kind      generate, img2img or inpaint
 * @param count     images made
 * @param seed      image k draws its noise from (seed, k), as {@code ddpm4j sample}'s per-image generator
 * @param labels    each image's class, or null for a model without classes
 * @param passes    network passes per image
 * @param batchKey  requests with equal keys share network calls (null: this one runs alone)
 * @param images    img2img's and inpainting's images, model space (else null)
 * @param masks     inpainting's masks, 1 keep 0 inpaint, one per image (else null)
 * @param format    png (a grid), npy (uint8 [N,H,W,C]), raw (float32 [N,C,H,W]) or json
 * @param stream    answer with progress lines before the result (ndjson)
 * @param settings  every setting, defaults filled in, echoed with the result
 * @param command   the ddpm4j command line that makes the same images
 */
record Task(Kind kind, ServedModel model, int count, long seed, long[] labels, double guidance, Precision precision, Sampler sampler,
            double strength, int passes, String batchKey, Editing.Images images, Editing.Images masks, String format, boolean stream,
            ObjectNode settings, String command) {
    enum Kind {
        GENERATE, IMG2IMG, INPAINT;

        String path() {
            return "/v1/" + name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}

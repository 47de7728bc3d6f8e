package ddpm4j.cli;

import picocli.CommandLine.Command;

/** {@code ddpm4j edit}: changes existing images with a trained model. */
@Command(name = "edit", mixinStandardHelpOptions = true,
        description = "Edit images with a trained model: img2img (SDEdit: noise part way, then denoise) or inpaint (RePaint).",
        subcommands = {EditImg2ImgCommand.class, EditInpaintCommand.class})
final class EditCommand {
}

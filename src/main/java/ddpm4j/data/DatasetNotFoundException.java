package ddpm4j.data;

import java.nio.file.NoSuchFileException;

/** A named dataset found neither in the folders searched nor by download; a data folder given by the caller would fix it. */
public final class DatasetNotFoundException extends NoSuchFileException {
    public DatasetNotFoundException(String message) {
        super(message);
    }
}

package dev.imagegate.tags;

import java.time.Instant;
import java.util.Optional;

/** What ImageGate knows about the digest a tag points to. */
sealed interface TagDigest {

    /** The digest to judge the tag on, when there is one. */
    Optional<String> usable();

    /** The registry said so at {@code confirmedAt}. */
    record Confirmed(String digest, Instant confirmedAt) implements TagDigest {
        @Override
        public Optional<String> usable() {
            return Optional.of(digest);
        }
    }

    /** The registry could not be asked; the digest it confirmed last, still within the grace. */
    record Remembered(String digest, Instant confirmedAt) implements TagDigest {
        @Override
        public Optional<String> usable() {
            return Optional.of(digest);
        }
    }

    /** The registry could not be asked and no digest it confirmed recently is known. */
    record Unknown(String failure) implements TagDigest {
        @Override
        public Optional<String> usable() {
            return Optional.empty();
        }
    }
}

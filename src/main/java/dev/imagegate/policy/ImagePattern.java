package dev.imagegate.policy;

import dev.imagegate.image.ImageReference;

import java.util.regex.Pattern;

/**
 * A glob over normalised image references ({@code docker.io/library/nginx:1.27}): {@code *} matches any
 * characters, including {@code /}; everything else matches itself.
 */
public record ImagePattern(String glob, Pattern regex) {

    public static ImagePattern of(String glob) {
        StringBuilder regex = new StringBuilder();
        for (String literal : glob.split("\\*", -1)) {
            if (!regex.isEmpty()) {
                regex.append(".*");
            }
            regex.append(Pattern.quote(literal));
        }
        return new ImagePattern(glob, Pattern.compile(regex.toString()));
    }

    public boolean matches(ImageReference image) {
        return regex.matcher(image.canonical()).matches();
    }

    @Override
    public String toString() {
        return glob;
    }
}

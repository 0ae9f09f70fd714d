package dev.imagegate.review;

import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects the checks that come out of the split back into their review, keyed by image. Whatever order they
 * come in, and whatever an edited route drops or adds, each image's verdict is its own; an image whose check
 * never came back is denied as not checked.
 */
@Component("checksByImage")
public class ChecksByImage implements AggregationStrategy {

    private static final String COLLECTED = "imagegate.checks";

    @Override
    public Exchange aggregate(Exchange collected, Exchange next) {
        Exchange into = collected != null ? collected : next;
        List<ImageCheck> checks = into.getProperty(COLLECTED, List.class);
        if (checks == null) {
            checks = new ArrayList<>();
            into.setProperty(COLLECTED, checks);
        }
        if (next.getMessage().getBody() instanceof ImageCheck check) {
            checks.add(check);
        }
        return into;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void onCompletion(Exchange collected, Exchange review) {
        Review unchecked = review.getMessage().getBody(Review.class);
        List<ImageCheck> checks = collected == null ? List.of() : collected.removeProperty(COLLECTED) instanceof List<?> list
                ? (List<ImageCheck>) list : List.of();
        (collected != null ? collected : review).getMessage().setBody(unchecked.withChecks(checks));
    }
}

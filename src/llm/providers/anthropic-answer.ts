/** What a Anthropic Messages answer must hold to be read. */
import { z } from 'zod';

export const responseSchema = z.object({
  model: z.string().nullish(),
  content: z.array(z.looseObject({ type: z.string(), text: z.string().nullish() })),
  stop_reason: z.string().nullish(),
  usage: z.object({ input_tokens: z.number().nullish(), output_tokens: z.number().nullish() }).nullish(),
});

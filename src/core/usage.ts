// Tokens a model call used: the one shape planners, memory and sessions share.
export interface Usage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
}

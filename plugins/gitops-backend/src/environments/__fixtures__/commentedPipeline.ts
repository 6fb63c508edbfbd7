/** A realistic pipeline file with comments on every level and blank lines between sections. */
export const COMMENTED = `# GitOps pipeline of the shop (owned by @acme/platform).
# Reviewed like code: see CODEOWNERS.

apiVersion: gitops2.io/v1alpha1 # the format
kind: Pipeline
metadata:
  name: shop # shown in the portal

spec:
  # Promotion order.
  stages:
    # Developers' playground.
    - name: dev # first stage
      environments: [dev] # one environment

    - name: staging
      # Release candidates.
      environments:
        - staging # the only one

    # Production, three regions at once.
    - name: prod
      environments: [prod-us, prod-eu] # parallel

  # Where each environment runs.
  environments:
    dev:
      cluster: dev-cluster # kind cluster
      namespace: shop-dev

    staging:
      # Shared with the data team.
      cluster: staging-cluster
      namespace: shop-staging
      promotion:
        mode: direct # no review in staging

    prod-us:
      cluster: prod-us-cluster
      namespace: shop
      promotion:
        approvals: 1 # one release manager
        approverGroup: group:default/release-managers
        freezeWindows:
          - days: [sat, sun] # weekends
            reason: no weekend releases
    prod-eu:
      cluster: prod-eu-cluster
      namespace: shop
    # prod-asia is coming in Q3.

  # What is deployed where.
  services:
    cart:
      # Kustomize overlays, one per environment.
      path: apps/cart/{environment}/kustomization.yaml
      locator:
        type: kustomize-image # images[].newTag
        image: ghcr.io/acme/cart
    search:
      path: apps/search/{environment}/values.yaml
      locator: { type: helm-values, path: image.tag }
      environments:
        dev: { enabled: false } # not in dev yet
        staging:
          # staging keeps its values elsewhere
          path: legacy/search-staging/values.yaml
    billing:
      path: apps/billing/{environment}/deployment.yaml
      locator:
        type: container-image
      environments:
        staging:
          enabled: false # billing skips staging

# end of file
`;

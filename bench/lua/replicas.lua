-- A workload-style check (our own): replica counts in the message, as Argo CD's scripts print them.
local spec, status = obj.spec or {}, obj.status or {}
local desired = spec.replicas or 1
local updated = status.updatedReplicas or 0
local available = status.availableReplicas or 0
if updated < desired then
  return { status = "Progressing", message = "Updated: " .. updated .. "/" .. desired }
end
if available < updated then
  return { status = "Progressing", message = string.format("Available: %d/%d", available, updated) }
end
return { status = "Healthy", message = "Replicas: " .. available }
